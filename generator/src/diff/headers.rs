//! The response headers an operation documents for its successes, compared as lowering
//! reads them ([`ResponseHeaders`]: one field per header of the generated struct, required
//! only when every success response requires it).

use super::{At, Change, ChangeKind, Impact, Pair, Scope, change};
use crate::ir::{HeaderTy, Operation, ResponseHeader, ResponseHeaders};

const DECODE: &str =
    "responses without it fail to decode (fine only if every server always sends it)";

/// Compares the documented success headers of two versions of an operation; `method` is
/// `` `Client::show_job` ``.
pub(super) fn diff_headers(ops: Pair<&Operation>, method: &str, out: &mut Vec<Change>) {
    let sets = ops.map(|o| o.success_headers.as_ref());
    let fields = sets.map(|s| s.map_or(&[][..], |s| s.fields.as_slice()));
    // A struct appearing or going changes what `send()` returns.
    let send = match (sets.old, sets.new) {
        (None, Some(s)) => Some(format!(
            "{method} now returns `rt::Response<_, types::{}>`: code naming the response type stops compiling",
            s.name
        )),
        (Some(s), None) => Some(format!(
            "{method} no longer returns `types::{}`: code using it stops compiling",
            s.name
        )),
        _ => None,
    };
    let find = |list: &'_ [ResponseHeader], h: &ResponseHeader| {
        list.iter()
            .position(|x| x.wire.eq_ignore_ascii_case(&h.wire))
    };
    for h in fields.new {
        match find(fields.old, h) {
            Some(i) => out.extend(kept(Pair::new(&fields.old[i], h), sets)),
            None => out.push(added(h, sets.new, send.clone())),
        }
    }
    for h in fields.old.iter().filter(|h| find(fields.new, h).is_none()) {
        out.push(removed(h, sets.old, send.clone()));
    }
}

fn field(set: Option<&ResponseHeaders>, h: &ResponseHeader) -> String {
    format!("`{}::{}`", set.map_or("?", |s| s.name.as_str()), h.name)
}

fn header_change(
    h: &ResponseHeader,
    kind: ChangeKind,
    values: Pair<Option<String>>,
    description: String,
    impact: Impact,
) -> Change {
    let at = At::new(Scope::ResponseHeader, &h.wire, "");
    change(at, kind, values, description, impact)
}

/// The header's type in the spec's words.
fn word(ty: HeaderTy) -> &'static str {
    match ty {
        HeaderTy::String => "string",
        HeaderTy::Secret => "string (a credential)",
        HeaderTy::Integer => "integer",
        HeaderTy::Number => "number",
        HeaderTy::Boolean => "boolean",
    }
}

fn summary(h: &ResponseHeader) -> String {
    let required = if h.required { "required" } else { "optional" };
    format!("{required}, {}", word(h.ty))
}

fn added(h: &ResponseHeader, set: Option<&ResponseHeaders>, send: Option<String>) -> Change {
    let mut impact = Impact::default().with_rust(send);
    if h.required {
        impact = impact.with_rust(Some(DECODE.into()));
    } else if impact.rust.is_none() {
        impact.note = Some(format!("a new `Option` field, {}", field(set, h)));
    }
    let summary = summary(h);
    let values = Pair::new(None, Some(summary.clone()));
    header_change(
        h,
        ChangeKind::HeaderAdded,
        values,
        format!("header added ({summary})"),
        impact,
    )
}

fn removed(h: &ResponseHeader, set: Option<&ResponseHeaders>, send: Option<String>) -> Change {
    let using = format!("code using {} stops compiling", field(set, h));
    let mut impact = Impact::rust(using).with_rust(send);
    impact.note = Some("servers no longer document it".into());
    let summary = summary(h);
    let values = Pair::new(Some(summary.clone()), None);
    header_change(
        h,
        ChangeKind::HeaderRemoved,
        values,
        format!("header removed (was {summary})"),
        impact,
    )
}

fn kept(h: Pair<&ResponseHeader>, sets: Pair<Option<&ResponseHeaders>>) -> Vec<Change> {
    let mut out = Vec::new();
    let item = field(sets.new, h.new);
    let rust = h.map(ResponseHeader::rust);
    let stops = format!(
        "{item} is now `{}`, not `{}`: code using it stops compiling",
        rust.new, rust.old
    );
    if h.old.ty != h.new.ty {
        let words = h.map(|h| Some(word(h.ty).to_owned()));
        let description = format!("type {} → {}", word(h.old.ty), word(h.new.ty));
        let mut impact = Impact::rust(stops.clone());
        if matches!(
            h.new.ty,
            HeaderTy::Integer | HeaderTy::Number | HeaderTy::Boolean
        ) {
            let ty = word(h.new.ty);
            let decode = format!("responses whose value is not a {ty} fail to decode");
            impact = impact.with_rust(Some(decode));
        }
        let change = header_change(h.new, ChangeKind::TypeChanged, words, description, impact);
        out.push(change);
    }
    if h.old.required != h.new.required {
        let words = h.map(|h| Some(if h.required { "required" } else { "optional" }.to_owned()));
        let mut impact = Impact::default();
        if h.old.ty == h.new.ty {
            impact = impact.with_rust(Some(stops));
        }
        if h.new.required {
            impact = impact.with_rust(Some(DECODE.into()));
        }
        let description = if h.new.required {
            "now required"
        } else {
            "now optional"
        };
        out.push(header_change(
            h.new,
            ChangeKind::RequiredChanged,
            words,
            description.into(),
            impact,
        ));
    }
    out
}
