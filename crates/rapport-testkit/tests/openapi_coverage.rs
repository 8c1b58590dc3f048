use rapport_testkit::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump() {
    let app = TestApp::new(Backend::Sqlite).await;
    let r = app.get("/api/openapi.json").await;
    std::fs::write("/tmp/explore/openapi.json", &r.body).unwrap();
    let r = app.get("/api/docs/swagger-ui-bundle.js").await;
    std::fs::write("/tmp/explore/bundle.js", &r.body).unwrap();
    for p in [
        "/api/docs/index.css",
        "/api/docs/swagger-ui.css",
        "/api/docs/favicon-32x32.png",
        "/api/docs/swagger-ui-standalone-preset.js",
    ] {
        let r = app.get(p).await;
        println!("{p} {} {:?}", r.status, r.header("content-type"));
    }
}
