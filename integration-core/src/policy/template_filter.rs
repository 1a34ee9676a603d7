//! Which Oneflow templates a user may pick when creating a contract from a Sale.
//!
//! The engine lists the templates a user may create contracts from (Oneflow's
//! `contract_create_data`, so only workspaces where that user may create contracts), turns each
//! into a [`TemplateCandidate`] and keeps those the [`TemplateFilter`] accepts.
//!
//! The default, [`DefaultTemplateFilter`], keeps **active** templates whose template type (the
//! Oneflow "template group") has the extension type `superoffice` or is named "SuperOffice"
//! (both compared case-insensitively).
//!
//! # Example
//!
//! ```
//! use integration_core::policy::template_filter::*;
//!
//! let offer = TemplateCandidate {
//!     id: 301,
//!     name: "Standard offer".into(),
//!     active: true,
//!     template_type: Some(TemplateTypeInfo {
//!         id: 12,
//!         name: "SuperOffice".into(),
//!         extension_type: Some("superoffice".into()),
//!     }),
//!     workspace_id: Some(5),
//!     has_pdf_section: true,
//!     has_attachments_section: false,
//! };
//! let mut retired = offer.clone();
//! retired.id = 302;
//! retired.active = false;
//!
//! let filter = DefaultTemplateFilter;
//! assert_eq!(filter.check(&retired), Err(TemplateRejection::Inactive));
//! let offered = filter.filter(vec![offer, retired]);
//! assert_eq!(offered.iter().map(|t| t.id).collect::<Vec<_>>(), [301]);
//! ```

use std::fmt;

/// Decides which templates are offered. Pure and synchronous.
pub trait TemplateFilter: Send + Sync + fmt::Debug {
    /// `Ok(())` when the template is offered, otherwise why not.
    fn check(&self, template: &TemplateCandidate) -> Result<(), TemplateRejection>;

    /// The templates that pass [`check`](Self::check), in their original order.
    fn filter(&self, templates: Vec<TemplateCandidate>) -> Vec<TemplateCandidate> {
        templates
            .into_iter()
            .filter(|template| self.check(template).is_ok())
            .collect()
    }
}

/// A template's type (Oneflow's "template group"), as the filter sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateTypeInfo {
    /// Oneflow template type id.
    pub id: i64,
    /// Its name, e.g. "SuperOffice".
    pub name: String,
    /// Its extension type, e.g. `superoffice`, when it belongs to an extension.
    pub extension_type: Option<String>,
}

/// A template the user could create a contract from, filled by the engine from the Oneflow
/// client's models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateCandidate {
    /// Oneflow template id.
    pub id: i64,
    /// Template name.
    pub name: String,
    /// Whether the template is active (inactive ones cannot create contracts).
    pub active: bool,
    /// Its template type, if it has one.
    pub template_type: Option<TemplateTypeInfo>,
    /// The workspace the template is offered in.
    pub workspace_id: Option<i64>,
    /// Whether it has a "PDF document" section (accepts a PDF).
    pub has_pdf_section: bool,
    /// Whether it has an "Attachments" section (accepts other files).
    pub has_attachments_section: bool,
}

/// Why a template is not offered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateRejection {
    /// The template is inactive; activate it in Oneflow to offer it.
    Inactive,
    /// The template has no template type; give it the "SuperOffice" template type in Oneflow.
    NoTemplateType,
    /// The template's type is not the SuperOffice one.
    NotSuperOfficeType {
        /// The type's name.
        type_name: String,
    },
    /// A host's own filter turned the template down, for the reason given.
    Custom {
        /// The reason, in words the user or admin can act on.
        reason: String,
    },
}

impl fmt::Display for TemplateRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Inactive => f.write_str("the template is inactive; activate it in Oneflow"),
            Self::NoTemplateType => f.write_str(
                "the template has no template type; give it the \"SuperOffice\" template type in Oneflow",
            ),
            Self::NotSuperOfficeType { type_name } => write!(
                f,
                "the template's type \"{type_name}\" is not the \"SuperOffice\" template type"
            ),
            Self::Custom { reason } => f.write_str(reason),
        }
    }
}

/// The default: active templates of the SuperOffice template type.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultTemplateFilter;

/// The extension type of Oneflow's SuperOffice template type.
pub const SUPEROFFICE_EXTENSION_TYPE: &str = "superoffice";
/// The name of Oneflow's SuperOffice template type.
pub const SUPEROFFICE_TEMPLATE_TYPE_NAME: &str = "SuperOffice";

impl TemplateFilter for DefaultTemplateFilter {
    fn check(&self, template: &TemplateCandidate) -> Result<(), TemplateRejection> {
        if !template.active {
            return Err(TemplateRejection::Inactive);
        }
        let Some(template_type) = &template.template_type else {
            return Err(TemplateRejection::NoTemplateType);
        };
        let by_extension = template_type
            .extension_type
            .as_deref()
            .is_some_and(|ext| ext.trim().eq_ignore_ascii_case(SUPEROFFICE_EXTENSION_TYPE));
        let by_name = template_type
            .name
            .trim()
            .eq_ignore_ascii_case(SUPEROFFICE_TEMPLATE_TYPE_NAME);
        if by_extension || by_name {
            Ok(())
        } else {
            Err(TemplateRejection::NotSuperOfficeType {
                type_name: template_type.name.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(id: i64, active: bool, ty: Option<(&str, Option<&str>)>) -> TemplateCandidate {
        TemplateCandidate {
            id,
            name: format!("Template {id}"),
            active,
            template_type: ty.map(|(name, ext)| TemplateTypeInfo {
                id: 900 + id,
                name: name.to_owned(),
                extension_type: ext.map(str::to_owned),
            }),
            workspace_id: Some(1),
            has_pdf_section: id % 2 == 0,
            has_attachments_section: id % 3 == 0,
        }
    }

    #[test]
    fn default_filter_table() {
        use TemplateRejection as R;
        #[rustfmt::skip]
        let table: Vec<(&str, TemplateCandidate, Result<(), TemplateRejection>)> = vec![
            ("extension type and name", template(1, true, Some(("SuperOffice", Some("superoffice")))), Ok(())),
            ("extension type only, renamed group", template(2, true, Some(("CRM offers", Some("superoffice")))), Ok(())),
            ("extension type in other case", template(3, true, Some(("Offers", Some("SuperOffice")))), Ok(())),
            ("name only, no extension", template(4, true, Some(("SuperOffice", None))), Ok(())),
            ("name in lower case", template(5, true, Some(("superoffice", None))), Ok(())),
            ("name with stray spaces", template(6, true, Some((" SUPEROFFICE ", Some("")))), Ok(())),
            ("inactive SuperOffice template", template(7, false, Some(("SuperOffice", Some("superoffice")))), Err(R::Inactive)),
            ("inactive without type", template(8, false, None), Err(R::Inactive)),
            ("no template type", template(9, true, None), Err(R::NoTemplateType)),
            ("another extension", template(10, true, Some(("Salesforce", Some("salesforce")))),
                Err(R::NotSuperOfficeType { type_name: "Salesforce".into() })),
            ("a plain group", template(11, true, Some(("HR", None))),
                Err(R::NotSuperOfficeType { type_name: "HR".into() })),
            ("a name that only contains SuperOffice", template(12, true, Some(("SuperOffice old", None))),
                Err(R::NotSuperOfficeType { type_name: "SuperOffice old".into() })),
        ];
        for (name, candidate, expected) in &table {
            assert_eq!(&DefaultTemplateFilter.check(candidate), expected, "{name}");
        }
        let kept: Vec<i64> = DefaultTemplateFilter
            .filter(table.into_iter().map(|(_, c, _)| c).collect())
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(kept, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn a_custom_filter_replaces_the_default() {
        #[derive(Debug)]
        struct PdfOnly;
        impl TemplateFilter for PdfOnly {
            fn check(&self, template: &TemplateCandidate) -> Result<(), TemplateRejection> {
                DefaultTemplateFilter.check(template)?;
                if template.has_pdf_section {
                    Ok(())
                } else {
                    Err(TemplateRejection::Custom {
                        reason: "only templates with a PDF section are offered".into(),
                    })
                }
            }
        }
        let candidates = (1..=4)
            .map(|id| template(id, true, Some(("SuperOffice", None))))
            .collect();
        let kept: Vec<i64> = PdfOnly.filter(candidates).iter().map(|t| t.id).collect();
        assert_eq!(kept, [2, 4]);
        let without_pdf = template(3, true, Some(("SuperOffice", None)));
        assert_eq!(
            PdfOnly.check(&without_pdf).unwrap_err().to_string(),
            "only templates with a PDF section are offered"
        );
    }

    #[test]
    fn rejections_tell_the_admin_what_to_do() {
        assert_eq!(
            TemplateRejection::Inactive.to_string(),
            "the template is inactive; activate it in Oneflow"
        );
        assert!(TemplateRejection::NoTemplateType
            .to_string()
            .contains("give it the \"SuperOffice\" template type"));
        assert_eq!(
            TemplateRejection::NotSuperOfficeType {
                type_name: "HR".into()
            }
            .to_string(),
            "the template's type \"HR\" is not the \"SuperOffice\" template type"
        );
    }
}
