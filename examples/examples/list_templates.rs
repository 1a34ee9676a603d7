//! Recipe: the templates a user may create contracts from, for the "SuperOffice" group.
//!
//! ```sh
//! cargo run -p examples --example list_templates                         # the sandbox seller
//! cargo run -p examples --example list_templates -- admin@nordic.example  # another user
//! ```
//!
//! Two rules decide what a seller is offered:
//!
//! 1. Oneflow's `GET /helpers/contract_create_data`, asked **as the user**
//!    (`x-oneflow-user-email`), lists only workspaces where that user may create contracts,
//!    each with its **active** templates.
//! 2. The integration's template filter (`integration_core::policy::template_filter`, the
//!    default rule a host can replace) keeps templates whose template type — Oneflow's
//!    "template group" — is the SuperOffice one (extension type `superoffice` or the name
//!    "SuperOffice"), and says why it refuses the others.
//!
//! The recipe asks without Oneflow's `extension_type` filter so that the refusals show; the
//! integration itself also passes `extension_type=superoffice` to Oneflow. Without
//! environment variables it runs against the sandboxes (see `examples/src/recipes.rs`).

use examples::recipes::{RecipeError, Target};
use integration_core::policy::template_filter::{
    DefaultTemplateFilter, TemplateCandidate, TemplateFilter, TemplateRejection, TemplateTypeInfo,
};

/// One template the user may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offered {
    /// The workspace it is offered in.
    pub(crate) workspace: String,
    /// The template as the filter saw it (id, name, sections).
    pub(crate) template: TemplateCandidate,
}

/// Everything `contract_create_data` returned, split by the filter.
#[derive(Debug, Default)]
pub(crate) struct Templates {
    /// Offered to the user, in Oneflow's order.
    pub(crate) offered: Vec<Offered>,
    /// Usable in Oneflow but not for SuperOffice, with the reason.
    pub(crate) refused: Vec<(String, TemplateRejection)>,
}

/// Lists the templates `oneflow`'s acting user may create SuperOffice contracts from.
pub(crate) async fn run(oneflow: &oneflow_client::Client) -> Result<Templates, RecipeError> {
    let workspaces = oneflow.helpers().contract_create_data().send().await?;
    let filter = DefaultTemplateFilter;
    let mut result = Templates::default();
    for workspace in workspaces {
        let workspace_name = workspace.name.clone().unwrap_or_default();
        for t in &workspace.templates {
            let candidate = TemplateCandidate {
                id: t.id.get(),
                name: t.name.clone().unwrap_or_default(),
                // `contract_create_data` lists active templates only.
                active: true,
                template_type: t.template_type.as_ref().map(|ty| TemplateTypeInfo {
                    id: ty.id.get(),
                    name: ty.name.clone().unwrap_or_default(),
                    extension_type: ty.extension_type.clone(),
                }),
                workspace_id: Some(workspace.id.get()),
                has_pdf_section: t.available_options.can_receive_expanded_pdf,
                has_attachments_section: t.available_options.can_receive_attachments,
            };
            match filter.check(&candidate) {
                Ok(()) => result.offered.push(Offered {
                    workspace: workspace_name.clone(),
                    template: candidate,
                }),
                Err(why) => result.refused.push((candidate.name, why)),
            }
        }
    }
    Ok(result)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::from_env_or_sandboxes().await?;
    println!("{}", target.describe());
    let user = std::env::args()
        .nth(1)
        .unwrap_or_else(|| target.services.user_email.clone());
    let templates = run(&target.services.oneflow.as_user(user.as_str())).await?;
    println!("Templates {user} may use for SuperOffice contracts:");
    for o in &templates.offered {
        println!(
            "  {:<8} {:>6}  {:<40} pdf={} attachments={}",
            o.workspace,
            o.template.id,
            o.template.name,
            o.template.has_pdf_section,
            o.template.has_attachments_section
        );
    }
    println!("Not offered:");
    for (name, why) in &templates.refused {
        println!("  {name}: {why}");
    }
    Ok(())
}
