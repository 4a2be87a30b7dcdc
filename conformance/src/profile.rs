//! Per-API facts the spec cannot express: how each security scheme's credentials look and which
//! scheme a session-start call issues a credential for.
//!
//! Everything else the mock does is derived from the spec. Adding an API means adding an entry to
//! [`PROFILES`]; a spec with no entry gets [`Profile::generic`], under which every scheme takes
//! opaque tokens that the mock issued.

/// How the mock recognises (and issues) the credentials of one security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A random opaque token the mock handed out (pre-issued at start-up or returned by a
    /// session-start call); any other value is unknown.
    Issued,
    /// One configured value (`--domain-key`): an API key the game is given, not a session.
    ConfiguredKey,
    /// A JWT signed by the mock (HS256), not expired, whose payload validates against the named
    /// component schema.
    Jwt {
        /// Component schema that describes the payload, e.g. `UserJwtClaims`.
        claims: &'static str,
    },
}

/// A rule that picks another scheme for the credential a session-start call issues, from a field
/// of the request body (e.g. OAuth's `grant_type=client_credentials` yields a server token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueRule {
    /// Top-level body field to look at.
    pub field: &'static str,
    /// The value that selects [`IssueRule::scheme`].
    pub value: &'static str,
    /// The scheme whose credential is issued instead of the default.
    pub scheme: &'static str,
}

/// Where a login call's answer carries the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAt {
    /// A top-level string field of the JSON body (`session_token`, `access_token`).
    Field(&'static str),
    /// A query parameter of a URL in a top-level field (`login_url=…?token=<JWT>`).
    UrlParam {
        /// The field holding the URL.
        field: &'static str,
        /// The query parameter holding the credential.
        param: &'static str,
    },
}

/// How the conformance runner obtains a credential for one scheme when the environment gives
/// none: call `operation` with its spec example (the one whose body has `select`, if set), body
/// fields replaced from environment variables where they are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login {
    /// The scheme the credential is for.
    pub scheme: &'static str,
    /// The `operationId` of the login call.
    pub operation: &'static str,
    /// A body field and value that pick one of the call's examples.
    pub select: Option<(&'static str, &'static str)>,
    /// Body fields or query parameters taken from environment variables when set
    /// (`game_key` ← `GAMESPEC_GAME_KEY`).
    pub inputs: &'static [(&'static str, &'static str)],
    /// Where the answer carries the credential.
    pub token: TokenAt,
}

/// The API facts of one spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Short API name, as `--spec` takes it (`lootlocker`, `xsolla`).
    pub name: &'static str,
    /// Credential kind per security scheme name; schemes not listed are [`CredentialKind::Issued`].
    pub schemes: &'static [(&'static str, CredentialKind)],
    /// The scheme whose credential `x-session-start` calls return by default (`None`: the first
    /// scheme the spec declares).
    pub session_scheme: Option<&'static str>,
    /// Exceptions to [`Profile::session_scheme`], decided by the request body.
    pub issue_rules: &'static [IssueRule],
    /// Query parameter that carries a credential inside URLs the API returns (Xsolla's JWT flow
    /// answers `login_url=…?token=<JWT>`).
    pub url_credential_param: Option<&'static str>,
    /// How the runner logs in per scheme (schemes without one need their environment variable).
    pub logins: &'static [Login],
}

/// The APIs of this repository (names match `gamespec_codegen::api::APIS`).
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "lootlocker",
        schemes: &[
            ("sessionToken", CredentialKind::Issued),
            ("domainKey", CredentialKind::ConfiguredKey),
        ],
        session_scheme: Some("sessionToken"),
        issue_rules: &[],
        url_credential_param: None,
        logins: &[Login {
            scheme: "sessionToken",
            operation: "startGuestSession",
            select: None,
            inputs: &[
                ("game_key", "GAMESPEC_GAME_KEY"),
                ("game_version", "GAMESPEC_GAME_VERSION"),
            ],
            token: TokenAt::Field("session_token"),
        }],
    },
    Profile {
        name: "xsolla",
        schemes: &[
            (
                "userJwt",
                CredentialKind::Jwt {
                    claims: "UserJwtClaims",
                },
            ),
            (
                "serverJwt",
                CredentialKind::Jwt {
                    claims: "ServerJwtClaims",
                },
            ),
        ],
        session_scheme: Some("userJwt"),
        issue_rules: &[IssueRule {
            field: "grant_type",
            value: "client_credentials",
            scheme: "serverJwt",
        }],
        url_credential_param: Some("token"),
        logins: &[
            Login {
                scheme: "serverJwt",
                operation: "generateJwt",
                select: Some(("grant_type", "client_credentials")),
                inputs: &[
                    ("client_id", "GAMESPEC_CLIENT_ID"),
                    ("client_secret", "GAMESPEC_CLIENT_SECRET"),
                ],
                token: TokenAt::Field("access_token"),
            },
            Login {
                scheme: "userJwt",
                operation: "loginWithPasswordJwt",
                select: None,
                inputs: &[
                    ("username", "GAMESPEC_USERNAME"),
                    ("password", "GAMESPEC_PASSWORD"),
                    ("projectId", "GAMESPEC_PROJECT_ID"),
                ],
                token: TokenAt::UrlParam {
                    field: "login_url",
                    param: "token",
                },
            },
        ],
    },
];

impl Profile {
    /// The profile of a known API.
    pub fn named(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.name == name)
    }

    /// The profile of a spec this repository does not know: every scheme takes issued tokens.
    pub const fn generic() -> Profile {
        Profile {
            name: "generic",
            schemes: &[],
            session_scheme: None,
            issue_rules: &[],
            url_credential_param: None,
            logins: &[],
        }
    }

    /// The login flow for `scheme`, if the API has one.
    pub fn login(&self, scheme: &str) -> Option<&'static Login> {
        self.logins.iter().find(|l| l.scheme == scheme)
    }

    /// The credential kind of a scheme.
    pub fn kind(&self, scheme: &str) -> CredentialKind {
        self.schemes
            .iter()
            .find(|(name, _)| *name == scheme)
            .map(|(_, kind)| *kind)
            .unwrap_or(CredentialKind::Issued)
    }
}
