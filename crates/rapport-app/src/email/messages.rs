//! The messages Rapport sends, each as a plain-text and an HTML body saying the same thing. No
//! remote images, no tracking pixels, no rewritten links: the HTML is the text with its link
//! made clickable, styled inline (mail clients drop style sheets).

/// A message ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// What it is (`invitation`, `password_reset`...).
    pub kind: &'static str,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Escapes text for HTML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One message: paragraphs before the action, the action's link, paragraphs after.
struct Draft<'a> {
    kind: &'static str,
    subject: String,
    before: Vec<String>,
    action: Option<(&'a str, &'a str)>,
    after: Vec<String>,
}

impl Draft<'_> {
    fn compose(self) -> Composed {
        let mut text = String::new();
        let mut html = String::from(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#1c1e21\">",
        );
        for p in &self.before {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if let Some((label, url)) = self.action {
            text.push_str(&format!("{label}:\n{url}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{u}\" style=\"display:inline-block;padding:10px 18px;background:#2457c5;color:#ffffff;border-radius:4px;text-decoration:none;font-weight:600\">{l}</a></p><p style=\"font-size:14px;color:#4b5058\">Or copy this address into your browser: {u}</p>",
                u = escape(url),
                l = escape(label),
            ));
        }
        for p in &self.after {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!(
                "<p style=\"font-size:14px;color:#4b5058\">{}</p>",
                escape(p)
            ));
        }
        text.push_str("-- \nRapport\n");
        html.push_str("</body></html>");
        Composed {
            kind: self.kind,
            subject: self.subject,
            text,
            html,
        }
    }
}

/// An invitation into `workspace`, from `inviter`, accepted at `url` until `expires`.
pub fn invitation(
    inviter: &str,
    workspace: &str,
    role: &str,
    url: &str,
    expires: &str,
) -> Composed {
    Draft {
        kind: "invitation",
        subject: format!("{inviter} invites you to {workspace} on Rapport"),
        before: vec![format!(
            "{inviter} invites you to join the workspace {workspace} on Rapport, as {role}."
        )],
        action: Some(("Accept the invitation", url)),
        after: vec![
            format!("The link works once, until {expires}."),
            "If you do not know this person, ignore this message: nothing happens without you."
                .into(),
        ],
    }
    .compose()
}

/// A link to choose a new password, valid `minutes`.
pub fn password_reset(url: &str, minutes: i64) -> Composed {
    Draft {
        kind: "password_reset",
        subject: "Choose a new Rapport password".into(),
        before: vec![
            "Someone asked to reset the password of the Rapport account with this address.".into(),
        ],
        action: Some(("Choose a new password", url)),
        after: vec![
            format!("The link works once, for {minutes} minutes. Choosing a new password signs the account out everywhere."),
            "If you did not ask for it, ignore this message: your password stays as it is.".into(),
        ],
    }
    .compose()
}

/// The notice that the account's password was changed.
pub fn password_changed() -> Composed {
    Draft {
        kind: "password_changed",
        subject: "Your Rapport password was changed".into(),
        before: vec![
            "The password of your Rapport account was just changed, and every session of the account was ended.".into(),
        ],
        action: None,
        after: vec![
            "If you did not do this, ask your Rapport administrator to disable the account and contact you.".into(),
        ],
    }
    .compose()
}

/// A link confirming `new_address` as the account's sign-in address, valid `minutes`.
pub fn email_change(new_address: &str, url: &str, minutes: i64) -> Composed {
    Draft {
        kind: "email_change",
        subject: "Confirm your new Rapport address".into(),
        before: vec![format!(
            "Someone asked to use {new_address} as the sign-in address of a Rapport account."
        )],
        action: Some(("Confirm this address", url)),
        after: vec![
            format!("The link works once, for {minutes} minutes."),
            "If you did not ask for it, ignore this message: nothing changes.".into(),
        ],
    }
    .compose()
}

/// The notice, to the old address, that the sign-in address changed.
pub fn email_changed(new_address: &str) -> Composed {
    Draft {
        kind: "email_changed",
        subject: "Your Rapport sign-in address was changed".into(),
        before: vec![format!(
            "Your Rapport account now signs in with {new_address}; this address no longer does."
        )],
        action: None,
        after: vec![
            "If you did not do this, ask your Rapport administrator to disable the account and contact you.".into(),
        ],
    }
    .compose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_escape_what_people_typed() {
        let m = invitation(
            "Ana <script>",
            "R&D",
            "member",
            "http://x/?a=1&b=2",
            "tomorrow",
        );
        assert!(m.html.contains("Ana &lt;script&gt;"));
        assert!(m.html.contains("R&amp;D"));
        assert!(m.html.contains("href=\"http://x/?a=1&amp;b=2\""));
        assert!(m.text.contains("http://x/?a=1&b=2"));
        assert!(!m.html.contains("<img"), "no images, remote or not");
    }
}
