//! Files: list, multipart upload with local pre-checks, download following a 302.

use crate::common;
use common::*;

use oneflow_client::api::files::FileUpload;
use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput, TemplateSection};
use wiremock::matchers::{body_string_contains, header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn contract(pdf: bool, attachments: bool) -> Contract {
    let mut v: serde_json::Value = serde_json::from_str(CONTRACT).unwrap();
    v["available_options"]["can_receive_expanded_pdf"] = pdf.into();
    v["available_options"]["can_receive_attachments"] = attachments.into();
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn list_files() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files"))
        .and(header("x-oneflow-api-token", TOKEN))
        .respond_with(json(200, fixture!("files_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    let files = client(&server)
        .files()
        .list(ContractId(3012345))
        .await
        .unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0].id, FileId(1));
    assert_eq!(files[0].file_type, Some(FileType::Contract));
    assert_eq!(files[2].file_type, Some(FileType::Attachment));
    assert_eq!(files[2].extension.as_deref(), Some("xlsx"));
}

#[tokio::test]
async fn upload_expanded_pdf_as_multipart() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/3012345/files"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(header("x-oneflow-user-email", EMAIL))
        .and(header_regex(
            "content-type",
            "^multipart/form-data; boundary=",
        ))
        .and(body_string_contains("name=\"upload_as\""))
        .and(body_string_contains("expanded_pdf"))
        .and(body_string_contains(
            "name=\"file\"; filename=\"offer.pdf\"",
        ))
        .and(body_string_contains("application/pdf"))
        .and(body_string_contains("%PDF-1.7 fake"))
        .respond_with(json(200, fixture!("file_uploaded.json")))
        .expect(1)
        .mount(&server)
        .await;
    let file = client(&server)
        .files()
        .upload(
            &contract(true, false),
            FileUpload::expanded_pdf("offer.pdf", &b"%PDF-1.7 fake"[..]),
        )
        .await
        .unwrap();
    assert_eq!(file.id, FileId(3103));
    assert_eq!(file.file_type, Some(FileType::Pdf));
}

#[tokio::test]
async fn upload_attachment_as_multipart() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/3012345/files"))
        .and(body_string_contains("name=\"upload_as\"\r\n\r\nattachment"))
        .and(body_string_contains("filename=\"price-list.xlsx\""))
        .and(body_string_contains("spreadsheetml"))
        .respond_with(json(200, fixture!("file_uploaded.json")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .files()
        .upload(
            &contract(false, true),
            FileUpload::attachment("price-list.xlsx", vec![1u8, 2, 3]),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn upload_is_refused_locally_when_the_template_lacks_the_section() {
    let server = server().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let files = client(&server).files();

    let err = files
        .upload(
            &contract(false, true),
            FileUpload::expanded_pdf("offer.pdf", &b"%PDF"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::TemplateLacksSection {
            section: TemplateSection::PdfDocument
        })
    ));
    assert!(err.to_string().contains("PDF document"));

    let err = files
        .upload(
            &contract(true, false),
            FileUpload::attachment("a.txt", &b"hi"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::TemplateLacksSection {
            section: TemplateSection::Attachments
        })
    ));
    assert!(err.to_string().contains("Attachments"));

    // Bad extensions: expanded_pdf is PDF only; attachments use Oneflow's list.
    let err = files
        .upload(
            &contract(true, true),
            FileUpload::expanded_pdf("offer.docx", &b"x"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::UnsupportedFileExtension { .. })
    ));
    let err = files
        .upload(
            &contract(true, true),
            FileUpload::attachment("virus.exe", &b"x"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::UnsupportedFileExtension { extension, upload_as: "attachment" }) if extension == "exe"
    ));
    let err = files
        .upload(
            &contract(true, true),
            FileUpload::attachment("README", &b"x"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::UnsupportedFileExtension { .. })
    ));
}

#[tokio::test]
async fn upload_to_fetches_the_contract_first_and_refuses_without_uploading() {
    let server = server().await;
    let mut v: serde_json::Value = serde_json::from_str(CONTRACT).unwrap();
    v["available_options"]["can_receive_attachments"] = false.into();
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server)
        .files()
        .upload_to(
            ContractId(3012345),
            FileUpload::attachment("terms.pdf", &b"%PDF"[..]),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::TemplateLacksSection { .. })
    ));
}

#[tokio::test]
async fn download_follows_302_to_another_host_without_credentials() {
    let api = server().await;
    let storage = MockServer::start().await;
    let location = format!("{}/files/abc123/offer.pdf?sig=xyz", storage.uri());
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/3101"))
        .and(query_param("download", "true"))
        .and(header("x-oneflow-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(302).insert_header("location", location.as_str()))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/abc123/offer.pdf"))
        .and(query_param("sig", "xyz"))
        .and(NoHeader("x-oneflow-api-token"))
        .and(NoHeader("x-oneflow-user-email"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(b"%PDF-1.7 downloaded".to_vec(), "application/pdf"),
        )
        .expect(1)
        .mount(&storage)
        .await;
    // Anything else reaching the storage host (e.g. with the token) fails the test.
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(599))
        .with_priority(u8::MAX)
        .expect(0)
        .named("request with credentials on the storage host")
        .mount(&storage)
        .await;

    let download = client(&api)
        .files()
        .download(ContractId(3012345), FileId(3101))
        .await
        .unwrap();
    assert_eq!(download.content_type(), Some("application/pdf"));
    let bytes = download.bytes().await.unwrap();
    assert_eq!(&bytes[..], b"%PDF-1.7 downloaded");
}

#[tokio::test]
async fn download_redirect_on_the_same_host_keeps_credentials() {
    let api = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/1"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "/v1/storage/contract-1.pdf"),
        )
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/storage/contract-1.pdf"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(header("x-oneflow-user-email", EMAIL))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF same host".to_vec(), "application/pdf"),
        )
        .expect(1)
        .mount(&api)
        .await;
    let download = client(&api)
        .files()
        .download(ContractId(3012345), FileId(1))
        .await
        .unwrap();
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF same host");
}

#[tokio::test]
async fn download_direct_body_and_error_after_redirect() {
    let api = server().await;
    let storage = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF direct".to_vec(), "application/pdf"),
        )
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/2"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/gone", storage.uri()).as_str()),
        )
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone"))
        .respond_with(
            ResponseTemplate::new(403).set_body_string("<Error><Code>AccessDenied</Code></Error>"),
        )
        .expect(1)
        .mount(&storage)
        .await;
    let files = client(&api).files();
    let d = files
        .download(ContractId(3012345), FileId(1))
        .await
        .unwrap();
    assert_eq!(&d.bytes().await.unwrap()[..], b"%PDF direct");
    let err = files
        .download(ContractId(3012345), FileId(2))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(err.api_error().unwrap().raw_body().contains("AccessDenied"));
}

#[tokio::test]
async fn download_redirect_loop_ends_with_an_error_after_a_bounded_number_of_hops() {
    let api = server().await;
    // A relative Location pointing back at the same URL: a loop.
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/7"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "7?download=true"))
        .expect(6) // the request itself plus five followed hops
        .mount(&api)
        .await;
    let err = client(&api)
        .files()
        .download(ContractId(3012345), FileId(7))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
}

/// A redirect chain that leaves the API origin never regains the credentials, even when a
/// later hop points back at the API host.
#[tokio::test]
async fn credentials_are_not_reattached_after_the_chain_left_the_api_origin() {
    // No token guard on this API server: the back-hop must arrive without the token.
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/3101"))
        .and(header("x-oneflow-api-token", TOKEN))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/bounce", elsewhere.uri()).as_str()),
        )
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/bounce"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/v1/steal", api.uri()).as_str()),
        )
        .expect(1)
        .mount(&elsewhere)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/steal"))
        .and(NoHeader("x-oneflow-api-token"))
        .and(NoHeader("x-oneflow-user-email"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"%PDF".to_vec(), "application/pdf"))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/steal"))
        .respond_with(ResponseTemplate::new(599))
        .with_priority(u8::MAX)
        .expect(0)
        .named("back-hop with credentials")
        .mount(&api)
        .await;
    let download = client(&api)
        .files()
        .download(ContractId(3012345), FileId(3101))
        .await
        .unwrap();
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF");
}

/// A file download asks for binary content, not JSON (Oneflow's own connector sends
/// `Accept: binary/octet-stream`); a strict server answers `Accept: application/json` with 406.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn download_does_not_ask_for_json() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/1"))
        .and(query_param("download", "true"))
        .and(header_regex("accept", "octet-stream"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"%PDF-1.7".to_vec(), "application/pdf"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let download = client(&server)
        .files()
        .download(ContractId(3012345), FileId(1))
        .await
        .unwrap();
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF-1.7");
}

/// The `Location` of a file redirect is a pre-signed storage URL (a bearer credential for the
/// file); a transport error on that hop must not carry it into `Debug` or the error chain.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn presigned_redirect_url_stays_out_of_transport_errors() {
    let api = server().await;
    // A port nothing listens on: the storage hop fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let location = format!("http://127.0.0.1:{port}/files/x.pdf?X-Amz-Signature=SECRETSIG42");
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/files/3101"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", location.as_str()))
        .expect(1)
        .mount(&api)
        .await;
    let err = client(&api)
        .files()
        .download(ContractId(3012345), FileId(3101))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let shown = everything_shown(&err);
    assert!(!shown.contains("SECRETSIG42"), "signed URL leaked: {shown}");
}

/// A caller-supplied MIME type is input like any other: refused locally, not a transport
/// error at send time.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn invalid_content_type_override_is_refused_before_sending() {
    let server = server().await; // the catch-all fails the test on any request
    let contract: Contract = serde_json::from_str(CONTRACT).unwrap();
    let upload = FileUpload::attachment("terms.pdf", &b"%PDF"[..]).content_type("not a mime type");
    let err = client(&server)
        .files()
        .upload(&contract, upload)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(InvalidInput::Invalid { .. })),
        "{err:?}"
    );
}
