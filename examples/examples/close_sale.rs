//! Recipe: close a SuperOffice Sale as Sold, but only if nobody changed it meanwhile.
//!
//! ```sh
//! cargo run -p examples --example close_sale            # the sandbox: one Sale sold, one conflict
//! cargo run -p examples --example close_sale -- 4711    # a Sale of the configured tenant
//! ```
//!
//! Read the Sale, then send a JSON Patch that starts with a `test` operation on the status you
//! saw (`Open`) and replaces it with `Sold`. Two guards protect the write:
//!
//! * the `test` op: SuperOffice applies nothing and answers **409** when the status is no
//!   longer what you saw (`Error::Conflict`);
//! * `If-Unmodified-Since` with the `UpdatedDate` you read: **412** when *anything* on the
//!   Sale changed after that (`Error::PreconditionFailed`), sent when the Sale has one.
//!
//! `Error::is_conflict` is true for both. A PATCH is never retried automatically: on a
//! conflict, read the Sale again and decide. Without environment variables the recipe runs
//! against the SuperOffice sandbox (see `examples/src/recipes.rs`).

use examples::recipes::Target;
use superoffice_client::models::{JsonPatch, SaleEntity, SaleStatus};
use superoffice_client::{Client, Error};
use superoffice_sandbox::default_seed as so_seed;

/// Which guard stopped a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// The `test` operation failed (HTTP 409).
    TestOp,
    /// The Sale changed after `If-Unmodified-Since` (HTTP 412).
    UnmodifiedSince,
}

/// What became of the attempt.
#[derive(Debug)]
pub(crate) enum Closed {
    /// The Sale is Sold now (as SuperOffice stored it).
    Sold(Box<SaleEntity>),
    /// The Sale was not open when read; nothing was sent.
    NotOpen(Option<SaleStatus>),
    /// Someone changed the Sale between the read and the write; nothing changed. `current`
    /// is the Sale read again.
    Conflict {
        /// Which guard caught it.
        guard: Guard,
        /// The Sale as it is now.
        current: Box<SaleEntity>,
    },
}

/// Closes `seen` (a Sale as you read it) as Sold, guarded by what you saw.
pub(crate) async fn run(client: &Client, seen: &SaleEntity) -> Result<Closed, Error> {
    if seen.status != Some(SaleStatus::Open) {
        return Ok(Closed::NotOpen(seen.status.clone()));
    }
    // `test` first: the patch applies only while the status is still `Open`.
    let close = JsonPatch::new()
        .test("Status", SaleStatus::Open)
        .replace("Status", SaleStatus::Sold);
    let sales = client.sales();
    let attempt = match seen.updated_date.as_ref().filter(|d| !d.is_empty()) {
        Some(updated) => {
            sales
                .patch_if_unmodified_since(seen.sale_id, &close, updated.assume_utc())
                .await
        }
        None => sales.patch(seen.sale_id, &close).await,
    };
    match attempt {
        Ok(sold) => Ok(Closed::Sold(Box::new(sold))),
        Err(error) if error.is_conflict() => {
            let guard = match error {
                Error::PreconditionFailed(_) => Guard::UnmodifiedSince,
                _ => Guard::TestOp,
            };
            let current = sales.get(seen.sale_id).await?;
            Ok(Closed::Conflict {
                guard,
                current: Box::new(current),
            })
        }
        Err(error) => Err(error),
    }
}

fn report(closed: &Closed) -> String {
    let status = |s: &Option<SaleStatus>| s.as_ref().map_or("?".to_owned(), |s| s.to_string());
    match closed {
        Closed::Sold(sale) => format!(
            "closed: {}, probability {}%",
            status(&sale.status),
            sale.probability.unwrap_or_default()
        ),
        Closed::NotOpen(current) => format!("not open ({}); nothing sent", status(current)),
        Closed::Conflict { guard, current } => format!(
            "refused by {guard:?} (someone changed the Sale first); it is {} now, nothing was written",
            status(&current.status)
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::from_env_or_sandboxes().await?;
    println!("{}", target.describe());
    let client = &target.services.superoffice;

    if let Some(arg) = std::env::args().nth(1) {
        let id = superoffice_client::models::SaleId(
            arg.parse().map_err(|_| format!("not a Sale id: {arg:?}"))?,
        );
        let seen = client.sales().get(id).await?;
        println!("{}", report(&run(client, &seen).await?));
        return Ok(());
    }
    let Some(sandboxes) = &target.sandboxes else {
        return Err("pass the id of an open Sale".into());
    };

    // The happy path: Sale 101 is open; close it.
    let seen = client.sales().get(so_seed::OPEN_SALE_ID.into()).await?;
    println!("Sale 101: {}", report(&run(client, &seen).await?));

    // The conflict path: read Sale 102, then a colleague closes it as Lost in the CRM before
    // our patch arrives.
    let seen = client
        .sales()
        .get(so_seed::SECOND_OPEN_SALE_ID.into())
        .await?;
    sandboxes.superoffice.set_sale_status(
        so_seed::MAIN_TENANT,
        so_seed::SECOND_OPEN_SALE_ID,
        superoffice_sandbox::SaleStatus::Lost,
        so_seed::ADMIN_ASSOCIATE_ID,
    )?;
    println!("Sale 102: {}", report(&run(client, &seen).await?));
    Ok(())
}
