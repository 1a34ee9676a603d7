//! The client's OData `$filter` builder read back by the sandbox's parser, which follows the
//! documented syntax (en/api/search/odata/*.md): quoted user text never changes the structure.
//! Also how `odata.nextLink` is followed.

use crate::rest_support;
use rest_support::{client, API};

use futures::TryStreamExt;
use proptest::prelude::*;
use serde_json::json;
use superoffice_client::odata::Filter;
use superoffice_client::Error;
use superoffice_sandbox::odata::{parse_filter, FilterExpr, Literal, Row};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Text that is hard to quote: quotes, backslashes, brackets, commas, keywords, spaces.
fn nasty_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("\\'".to_owned()),
        Just("''".to_owned()),
        Just(") or (".to_owned()),
        Just(" and ".to_owned()),
        Just(",".to_owned()),
        Just("(".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

/// Builds `name is <text> or amount oneOf (1,2) and name begins <text>` with the client, parses
/// it with the sandbox and checks the parsed tree and that it matches a row holding the text.
fn assert_round_trip(text: &str) -> Result<(), TestCaseError> {
    let built = Filter::is("name", text)
        .or(Filter::one_of("amount", &[1, 2]))
        .and(Filter::begins("name", text));
    let expression = built.to_expression().unwrap().to_owned();
    let parsed = parse_filter(&expression)
        .map_err(|e| TestCaseError::fail(format!("{expression:?} refused: {e}")))?;
    let name = |op: &str| FilterExpr::Cmp {
        column: "name".into(),
        op: op.into(),
        value: Literal::Str(text.to_owned()),
    };
    let expected = FilterExpr::And(
        Box::new(FilterExpr::Or(
            Box::new(name("is")),
            Box::new(FilterExpr::Cmp {
                column: "amount".into(),
                op: "oneof".into(),
                value: Literal::List(vec!["1".into(), "2".into()]),
            }),
        )),
        Box::new(name("begins")),
    );
    prop_assert_eq!(&parsed, &expected, "{:?}", expression);
    // And it matches a row holding exactly that text.
    let row = Row::new(7, vec![("name", json!(text)), ("amount", json!(9))]);
    prop_assert!(
        parsed.eval(&row),
        "{:?} does not match its own text",
        expression
    );
    Ok(())
}

proptest! {
    /// No user text can change the structure of a filter built by the client: the sandbox's
    /// parser (the documented syntax) reads back exactly one comparison whose literal is the
    /// text, combined as built.
    #[test]
    fn quoted_user_text_never_changes_the_filter_structure(text in nasty_text()) {
        assert_round_trip(&text)?;
    }
}

/// The case proptest once shrank to (a lone backslash), kept as a fixed regression.
#[test]
fn a_lone_backslash_round_trips() {
    assert_round_trip("\\").unwrap();
}

/// Compile-time check: every `.stream()` is an `ItemStream`, usable without `pin!` and
/// movable into spawned tasks. Nothing is sent: a stream does nothing until polled.
#[test]
fn streams_are_send_unpin_and_static() {
    use std::sync::Arc;

    use superoffice_client::credentials::StaticToken;
    use superoffice_client::odata::ODataRow;
    use superoffice_client::{Client, Credential, ItemStream};

    fn check<T>(stream: ItemStream<T>) -> impl futures::Stream + Send + Unpin + 'static
    where
        T: Send + 'static,
    {
        stream
    }
    let client = Client::builder()
        .api_base("https://sod2.superoffice.com/Cust12345/api/")
        .token_provider(Arc::new(StaticToken::new(Credential::bearer(
            "8A:Cust12345.t",
        ))))
        .build()
        .unwrap();
    let rows: ItemStream<ODataRow> = client.contacts().list().stream();
    let _ = check(rows);
    let _ = check(client.persons().list().stream());
    let _ = check(client.users().list().stream());
    let _ = check(client.sales().list_as::<serde_json::Value>().stream());
}

/// An `odata.nextLink` on the right host whose path starts inside the API base but continues
/// with `//` must not be joined as an absolute path (which would leave the tenant's base).
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn a_next_link_escaping_the_api_base_through_a_double_slash_is_refused() {
    let server = MockServer::start().await;
    let escaping = format!("{}{API}//Cust99999/api/v1/Sale?$skip=1", server.uri());
    Mock::given(method("GET"))
        .and(path(format!("{API}/v1/Sale")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "odata.nextLink": escaping,
            "value": [{"saleId": 1}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/Cust99999/api/v1/Sale"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(0)
        .mount(&server)
        .await;
    let (client, _tokens) = client(&server);
    let result: Result<Vec<_>, _> = client.sales().list().top(1).stream().try_collect().await;
    assert!(matches!(result, Err(Error::Protocol(_))), "{result:?}");
}
