use reqwest::Method;
use serde_json::Value;

use crate::both;

both!(
    health_ready_metrics_openapi,
    |app: crate::support::TestApp| async move {
        let h = app.call(Method::GET, "/healthz", None, None).await.ok(200);
        assert_eq!(h["status"], "ok");
        let r = app.call(Method::GET, "/readyz", None, None).await.ok(200);
        assert_eq!(r["status"], "ready");

        // Traffic, then the metrics show it by route template, not raw path.
        app.get("/api/v1/requests", &app.owner).await.ok(200);
        app.get("/api/v1/requests/999999", &app.owner)
            .await
            .problem(404);
        let text = app
            .http
            .get(format!("{}/metrics", app.base))
            .bearer_auth(crate::support::METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
        text.contains(r#"rapport_http_requests_total{method="GET",route="/api/v1/requests",status="200"} 1"#),
        "{text}"
    );
        assert!(
            text.contains(r#"route="/api/v1/requests/{id}",status="404""#),
            "{text}"
        );
        assert!(text.contains("rapport_process_resident_bytes"), "{text}");

        let doc: Value = app
            .call(Method::GET, "/api/openapi.json", None, None)
            .await
            .ok(200);
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v1/requests",
            "/api/v1/requests/quick",
            "/api/v1/promises/{id}/renegotiate",
            "/api/v1/auth/login",
        ] {
            assert!(doc["paths"][path].is_object(), "missing {path}");
        }
        assert!(doc["components"]["schemas"]["Request"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        // Limits are documented in the schema.
        let title = &doc["components"]["schemas"]["NewRequest"]["properties"]["title"];
        assert!(
            title["description"].as_str().unwrap_or("").contains("300"),
            "{title}"
        );
    }
);

both!(
    unknown_routes_and_methods_are_problems,
    |app: crate::support::TestApp| async move {
        app.get("/api/v1/nothing-here", &app.owner)
            .await
            .problem(404);
        app.call(Method::DELETE, "/api/v1/clients", Some(&app.owner), None)
            .await
            .problem(405);
        app.get("/api/v1/requests/abc", &app.owner)
            .await
            .problem(404);
    }
);
