//! Who is calling, and the browser sign-in through the identity provider
//! (src/api/identity.rs, oauth2.rs).

use super::schemas::{array, r, string};
use super::{op, Op};

fn html(o: Op, status: u16, text: &str) -> Op {
    o.content(status, text, "text/html", string())
}

pub fn operations() -> Vec<Op> {
    vec![
        op(
            "get",
            "/api/v1/identity/user/",
            "identity",
            "The signed-in user",
        )
        .describe("For clients and scripts to check a token.")
        .auth()
        .ok(200, "The user.", r("UserProfile"))
        .error(403),
        op("get", "/api/v1/identity/users/", "identity", "Every user")
            .staff()
            .ok(200, "The users.", array(r("UserProfile"))),
        html(
            op(
                "get",
                "/api/v1/oauth2/login",
                "identity",
                "Start a browser sign-in",
            )
            .public()
            .describe(
                "Redirects to the identity provider (authorization code with PKCE). \
                     Answers HTML pages, not JSON.",
            )
            .query("next", string(), "A local path to return to afterwards.")
            .empty(302, "To the provider's authorization endpoint."),
            404,
            "Single sign-on is not configured.",
        )
        .content(
            503,
            "The provider cannot be reached.",
            "text/html",
            string(),
        ),
        html(
            op(
                "get",
                "/api/v1/oauth2/callback",
                "identity",
                "Finish a browser sign-in",
            )
            .public()
            .query("code", string(), "The authorization code.")
            .query("state", string(), "The state the sign-in started with.")
            .empty(302, "Signed in: to `next`, with a session cookie."),
            400,
            "No authorization code.",
        )
        .content(401, "Sign-in failed.", "text/html", string())
        .content(403, "The account is disabled.", "text/html", string()),
        op(
            "get",
            "/api/v1/oauth2/logout",
            "identity",
            "Sign out (browser)",
        )
        .public()
        .empty(
            302,
            "To the provider's end-session page, or the sign-in page.",
        ),
        op(
            "post",
            "/api/v1/oauth2/logout",
            "identity",
            "Sign out (browser)",
        )
        .public()
        .empty(
            302,
            "To the provider's end-session page, or the sign-in page.",
        ),
    ]
}
