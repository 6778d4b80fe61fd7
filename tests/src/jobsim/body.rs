//! The bodies the server sends: a job body is the spec's 200 example with the state written
//! at the `x-cloudjobs-job` pointers; an error body is the spec's 4xx example with the code and
//! message written in.

/// Decodes `%XX` escapes (the generator's, for `$ref` fragments): request paths and queries.
pub use cloudjobs_codegen::load::percent_decode;
use serde_json::{Map, Value, json};

use super::Phase;
use super::service::SimService;

impl SimService {
    /// A 200 body in the service's real shape: the documented example (or, without one, an
    /// object with the pointers alone), the job in `phase` written in. The status goes to the
    /// `status` pointer ([`SimService::status`]), `job` to `id`, the percentage to `progress`
    /// (100 for a job that ended when none is given), a failure's code and reason to
    /// `error_code` and `error_reason`. Each sub-task of the example gets a status: the first
    /// half done from 50 %, the others at 100 % or when the job ends, the last one failed when
    /// the job fails (with the failure's code and reason). Everything else stays as in the
    /// example, and values keep the example's JSON types (a number written where the example
    /// has a string becomes a string), so that the generated types decode the body.
    pub fn job_body(
        &self,
        job: &str,
        phase: &Phase,
        percent: Option<u8>,
        failure: Option<&(String, String)>,
    ) -> Value {
        let ended = matches!(phase, Phase::Succeeded | Phase::Failed);
        let percent = percent.or(ended.then_some(100));
        let at = &self.job;
        let mut body = self
            .example
            .clone()
            .unwrap_or_else(|| Value::Object(Map::new()));
        set(&mut body, &at.status, self.status(phase).into());
        if let Some(id) = &at.id {
            set(&mut body, id, job.into());
        }
        if let (Some(progress), Some(percent)) = (&at.progress, percent) {
            set(&mut body, progress, percent.into());
        }
        if let Some(failure) = failure {
            set_failure(&mut body, &at.error_code, &at.error_reason, failure);
        }
        if let Some(sub) = &at.subtasks
            && let Some(Value::Array(items)) = body.pointer_mut(&sub.items)
        {
            let count = items.len();
            for (i, item) in items.iter_mut().enumerate() {
                let threshold = if i < count / 2 { 50 } else { 100 };
                let phase = match (ended || percent.unwrap_or(0) >= threshold, phase) {
                    (true, Phase::Failed) if i + 1 == count => Phase::Failed,
                    (true, _) => Phase::Succeeded,
                    (false, Phase::Pending) => Phase::Pending,
                    (false, _) => Phase::Running,
                };
                set(item, &sub.status, sub.states.status(&phase).into());
                if phase == Phase::Failed
                    && let Some(failure) = failure
                {
                    set_failure(item, &sub.error_code, &sub.error_reason, failure);
                }
            }
        }
        body
    }

    /// The service's error body for `status` (see [`error_body`]).
    pub fn error_body(&self, status: u16) -> Value {
        error_body(self.error_example.as_ref(), status)
    }
}

/// An error body for `status`: `example` (a documented error body) with the code and message
/// written in when it has `error_code`/`error_msg` or `error.code`/`error.message`, else
/// `{"error_code": ..., "error_msg": ...}`.
pub fn error_body(example: Option<&Value>, status: u16) -> Value {
    let (code, message) = match status {
        400 => ("JOBSIM.400", "Bad request"),
        401 => ("APIGW.0301", "Incorrect IAM authentication information"),
        404 => ("JOBSIM.404", "The job does not exist"),
        429 => ("APIGW.0308", "The throttling threshold has been reached"),
        503 => ("JOBSIM.503", "Service temporarily unavailable"),
        _ => ("JOBSIM.500", "Internal error"),
    };
    let shapes = [
        ("/error_code", "/error_msg"),
        ("/error/code", "/error/message"),
    ];
    for (code_at, message_at) in shapes {
        if let Some(example) = example
            && example.pointer(code_at).is_some()
            && example.pointer(message_at).is_some()
        {
            let mut body = example.clone();
            set(&mut body, code_at, code.into());
            set(&mut body, message_at, message.into());
            return body;
        }
    }
    json!({"error_code": code, "error_msg": message})
}

/// Writes a failure's code and reason at the pointers there are.
fn set_failure(
    doc: &mut Value,
    code_at: &Option<String>,
    reason_at: &Option<String>,
    (code, reason): &(String, String),
) {
    if let Some(at) = code_at {
        set(doc, at, code.as_str().into());
    }
    if let Some(at) = reason_at {
        set(doc, at, reason.as_str().into());
    }
}

/// Writes `value` at the JSON pointer `pointer` of `doc`, in the JSON type of the value it
/// replaces (a string for a string, with its `%` if it has one; a number for a number when
/// the text is one). What is
/// missing on the way is made: an array for a numeric segment (padded with `null`), else an
/// object.
pub fn set(doc: &mut Value, pointer: &str, value: Value) {
    let mut node = doc;
    for token in pointer.split('/').skip(1) {
        node = child(node, &token.replace("~1", "/").replace("~0", "~"));
    }
    *node = match (&*node, value) {
        // A percentage written as text keeps its sign (`"60%"`).
        (Value::String(old), Value::Number(n)) if old.ends_with('%') => {
            Value::String(format!("{n}%"))
        }
        (Value::String(_), Value::Number(n)) => Value::String(n.to_string()),
        (Value::Number(_), Value::String(s)) => s
            .parse::<serde_json::Number>()
            .map_or(Value::String(s), Value::Number),
        (_, value) => value,
    };
}

/// The member `token` of `node`: an array element for a number, else an object member; made
/// (and `node` turned into the container it needs) when missing.
fn child<'a>(node: &'a mut Value, token: &str) -> &'a mut Value {
    let index = token.parse::<usize>().ok();
    let fits = match node {
        Value::Object(_) => true,
        Value::Array(_) => index.is_some(),
        _ => false,
    };
    if !fits {
        *node = match index {
            Some(_) => Value::Array(Vec::new()),
            None => Value::Object(Map::new()),
        };
    }
    match (node, index) {
        (Value::Array(items), Some(i)) => {
            if items.len() <= i {
                items.resize(i + 1, Value::Null);
            }
            &mut items[i]
        }
        (Value::Object(map), _) => map.entry(token).or_insert(Value::Null),
        // Not reached: `node` was made a container that fits above.
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_makes_what_is_missing_and_keeps_json_types() {
        let mut doc = json!({"a": {"n": 0, "s": ""}, "list": [{"x": 1}]});
        set(&mut doc, "/a/n", json!("42"));
        set(&mut doc, "/a/s", json!(7));
        set(&mut doc, "/list/0/x", json!(2));
        set(&mut doc, "/jobs/1/status", json!("RUNNING"));
        set(&mut doc, "/b~1c/d", json!(null));
        assert_eq!(
            doc,
            json!({
                "a": {"n": 42, "s": "7"},
                "list": [{"x": 2}],
                "jobs": [null, {"status": "RUNNING"}],
                "b/c": {"d": null}
            })
        );
    }

    #[test]
    fn error_bodies_follow_the_example() {
        let ims = json!({"error": {"message": "m", "code": "IMG.0024"}});
        assert_eq!(
            error_body(Some(&ims), 404),
            json!({"error": {"message": "The job does not exist", "code": "JOBSIM.404"}})
        );
        let other = json!({"code": 1, "msg": "x"});
        assert_eq!(
            error_body(Some(&other), 400),
            json!({"error_code": "JOBSIM.400", "error_msg": "Bad request"})
        );
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
    }
}
