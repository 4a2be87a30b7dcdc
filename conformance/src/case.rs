//! A test case: one request the runner sends, described by its values (not yet by bytes), with
//! the phase that produced it and what the request is meant to provoke.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The generation phase a case comes from, in run order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The spec's own examples (parameters and bodies).
    Examples,
    /// Deterministic edge values: length and numeric bounds, every enum value, optional fields left out.
    Boundary,
    /// Random schema-valid requests.
    Positive,
    /// Requests that break the schema on purpose, one violation each.
    Negative,
    /// Requests derived from a valid case to probe the protocol: credentials removed or
    /// forged, a required header dropped, an undeclared method.
    Protocol,
    /// Sequences that carry values from one response into later requests.
    Stateful,
}

impl Phase {
    /// Every phase, in run order.
    pub const ALL: [Phase; 6] = [
        Phase::Examples,
        Phase::Boundary,
        Phase::Positive,
        Phase::Negative,
        Phase::Protocol,
        Phase::Stateful,
    ];

    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Examples => "examples",
            Phase::Boundary => "boundary",
            Phase::Positive => "positive",
            Phase::Negative => "negative",
            Phase::Protocol => "protocol",
            Phase::Stateful => "stateful",
        }
    }
}

/// What a case is meant to provoke; checks look at it to decide whether they apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    /// A request the spec allows: it should be accepted.
    Valid,
    /// A request the spec forbids, for the reason given: it should be rejected with a 4xx.
    Invalid {
        /// Where the violation is (`body/score`, `query/count`, `header/LL-Version`, `body`).
        location: String,
        /// What was broken, in words (`"a string where an integer is required"`).
        reason: String,
    },
    /// A valid request without the required header parameter `name`.
    MissingHeader {
        /// The header left out.
        name: String,
    },
    /// The path of the operation with a method it does not declare.
    UndeclaredMethod {
        /// The methods the path declares (upper case), as `Allow` should list them.
        allowed: Vec<String>,
    },
    /// A valid request of a secured operation sent without any credential.
    MissingCredentials,
    /// A valid request of a secured operation with credentials the server never issued.
    InvalidCredentials,
    /// A read of a resource after a successful delete of it: it should be gone.
    AfterDelete {
        /// The operation that deleted it.
        deleted_by: String,
    },
    /// A read of a resource after a successful create: it should be there.
    AfterCreate {
        /// The operation that created it.
        created_by: String,
    },
    /// A read of a resource after a write to it was refused with a 4xx: it should read as
    /// it did before the write.
    AfterFailedWrite {
        /// The write that was refused.
        written_by: String,
        /// The status of the read before the write.
        status: u16,
        /// SHA-256 (hex) of the body of the read before the write.
        sha256: String,
    },
    /// A request of another player's session for a resource of the run's own player (an
    /// operation marked `x-private`): it should be refused.
    OtherPlayer,
}

/// Which credentials the request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// The configured credentials for the operation's first satisfiable requirement set.
    #[default]
    Configured,
    /// No credential at all.
    Missing,
    /// Credentials of the right shape that no server issued.
    Forged,
    /// The credentials of a second player, obtained by logging in again.
    OtherPlayer,
}

/// A request body as values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseBody {
    /// The media type sent as `Content-Type`.
    pub media_type: String,
    /// The body: serialised per media type (JSON, form fields, multipart parts).
    pub value: Value,
    /// Bytes sent instead of serialising `value` (malformed bodies of negative cases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

/// One request to send: the operation, its parameter values and body, how it authenticates,
/// and why it was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The operation's `operationId`.
    pub operation: String,
    /// HTTP method, upper case. Differs from the operation's only for
    /// [`Intent::UndeclaredMethod`].
    pub method: String,
    /// Path template as in the spec (`/game/player/files/{file_id}`).
    pub path: String,
    /// Path parameter values by name.
    #[serde(default)]
    pub path_params: BTreeMap<String, Value>,
    /// Query parameter values by name (arrays are sent per the parameter's `explode`).
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    /// Header parameter values by name.
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    /// Cookie parameter values by name.
    #[serde(default)]
    pub cookies: BTreeMap<String, Value>,
    /// The body, if any.
    #[serde(default)]
    pub body: Option<CaseBody>,
    /// Which credentials to attach.
    #[serde(default)]
    pub auth: Auth,
    /// The phase that produced the case.
    pub phase: Phase,
    /// What the case is meant to provoke.
    pub intent: Intent,
}

impl Case {
    /// A case of `op` with no parameter, no body and the configured credentials yet.
    pub fn new(op: &gamespec_spec::spec::Operation, phase: Phase, intent: Intent) -> Case {
        Case {
            operation: op.id.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            path_params: BTreeMap::new(),
            query: BTreeMap::new(),
            headers: BTreeMap::new(),
            cookies: BTreeMap::new(),
            body: None,
            auth: Auth::Configured,
            phase,
            intent,
        }
    }

    /// A short label for reports: `GET /game/ping [examples]`.
    pub fn label(&self) -> String {
        format!("{} {} [{}]", self.method, self.path, self.phase.as_str())
    }
}
