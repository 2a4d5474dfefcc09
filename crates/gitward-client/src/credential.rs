//! The Git credential-helper protocol (`git help credential`): `key=value` lines in, and
//! `username=`/`password=` lines out.

/// What Git asks for: the parts of the URL it needs credentials for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialRequest {
    /// `https` or `http`.
    pub protocol: Option<String>,
    /// Host, with the port when the URL has one.
    pub host: Option<String>,
    /// The URL path without the leading slash (only with `credential.UseHttpPath`).
    pub path: Option<String>,
}

impl CredentialRequest {
    /// Parses Git's request; unknown keys (`wwwauth[]`, `capability[]`…) are ignored, and
    /// reading stops at the first empty line.
    pub fn parse(input: &str) -> Self {
        let mut req = Self::default();
        for line in input.lines() {
            if line.is_empty() {
                break;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = Some(value.to_owned());
            match key {
                "protocol" => req.protocol = value,
                "host" => req.host = value,
                "path" => req.path = value,
                _ => {}
            }
        }
        req
    }
}

/// Renders the answer Git reads. Values never contain a newline (access key ids, session
/// tokens and signed passwords are base64/hex), but one is refused rather than passed on.
pub fn render(username: &str, password: &str) -> Option<String> {
    if [username, password]
        .iter()
        .any(|v| v.contains(['\n', '\r', '\0']))
    {
        return None;
    }
    Some(format!("username={username}\npassword={password}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_git_sends() {
        let req = CredentialRequest::parse(
            "capability[]=authtype\nprotocol=https\nhost=127.0.0.1:8443\npath=v1/repos/MyDemoRepo\nwwwauth[]=Basic realm=\"x\"\n\nhost=ignored\n",
        );
        assert_eq!(req.protocol.as_deref(), Some("https"));
        assert_eq!(req.host.as_deref(), Some("127.0.0.1:8443"));
        assert_eq!(req.path.as_deref(), Some("v1/repos/MyDemoRepo"));
    }

    #[test]
    fn values_keep_equals_signs() {
        let req = CredentialRequest::parse("path=a=b\n");
        assert_eq!(req.path.as_deref(), Some("a=b"));
    }

    #[test]
    fn render_refuses_line_breaks() {
        assert_eq!(
            render("AKID", "pw").as_deref(),
            Some("username=AKID\npassword=pw\n")
        );
        assert_eq!(render("AKID\nhost=evil", "pw"), None);
    }
}
