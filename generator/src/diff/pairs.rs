//! What both sides of a comparison share: the two versions of a document ([`Cx`]) and an
//! operation as found in one of them ([`Op`]). Document-level comparison (`spec.rs`) pairs
//! operations and hands each pair to `op.rs`; both read these, neither reads the other's.

use super::rust::RustView;
use super::schema::{Cmp, Dir, Sides};
use super::{
    At, Change, ChangeKind, Impact, OperationDiff, OperationStatus, Pair, Scope, Spec, change,
};
use crate::error::child;
use crate::ir::{Api, Operation};
use crate::lower::{Declared, Site, declared_params, sites};
use crate::model::Doc;

/// An operation in a document, found and with its parameters merged as lowering does.
pub(super) struct Op {
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) site: Site,
    /// Its parameters.
    pub(super) params: Vec<Declared>,
    /// Where the operation is (under the path item's `$ref` target, for a reference).
    pub(super) pointer: String,
}

impl Op {
    pub(super) fn id(&self) -> Option<&str> {
        self.site.op.operation_id.as_deref()
    }

    pub(super) fn title(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }

    /// The lowered operation.
    pub(super) fn lowered<'a>(&self, api: &'a Api) -> Option<&'a Operation> {
        api.operations
            .iter()
            .find(|o| o.http_method.eq_ignore_ascii_case(self.method) && o.path == self.path)
    }

    pub(super) fn diff(&self, status: OperationStatus, changes: Vec<Change>) -> OperationDiff {
        OperationDiff {
            method: self.method.to_ascii_uppercase(),
            path: self.path.clone(),
            operation_id: self.id().map(str::to_owned),
            status,
            changes,
        }
    }

    /// An operation only in one version: added or removed, with its client method.
    pub(super) fn alone(&self, api: &Api, removed: bool) -> OperationDiff {
        let method = self
            .lowered(api)
            .map(|o| format!("`Client::{}`", o.method_name))
            .unwrap_or_else(|| "its method".into());
        let (status, kind, description, impact) = if removed {
            (
                OperationStatus::Removed,
                ChangeKind::OperationRemoved,
                "operation removed",
                Impact::both(
                    format!("code calling {method} stops compiling"),
                    "requests to it are no longer documented",
                ),
            )
        } else {
            (
                OperationStatus::Added,
                ChangeKind::OperationAdded,
                "operation added",
                Impact::compatible(format!("a new method, {method}")),
            )
        };
        let at = At::new(Scope::Operation, "", "");
        let c = change(at, kind, Pair::new(None, None), description.into(), impact);
        self.diff(status, vec![c])
    }
}

pub(super) fn operations<'a>(doc: &Doc<'a>) -> Vec<Op> {
    let sites = doc
        .with_refs(|refs| sites(&doc.doc.spec, refs))
        .unwrap_or_default();
    let ops = sites.into_iter().map(|site| {
        let params = doc.with_refs(|refs| declared_params(refs, &site));
        let pointer = child(&site.item_pointer, &[site.method]);
        Op {
            method: site.method,
            path: site.path.clone(),
            pointer,
            params: params.unwrap_or_default(),
            site,
        }
    });
    ops.collect()
}

/// Both versions of a document.
pub(super) struct Cx<'a, 'v> {
    pub(super) specs: Pair<&'a Spec>,
    pub(super) sides: Sides<'a, 'v>,
}

impl<'a> Cx<'a, '_> {
    pub(super) fn cmp(&self, dir: Dir, scope: Scope, name: &str) -> Cmp<'a, '_> {
        Cmp::new(self.sides, dir, scope, name)
    }

    pub(super) fn rust(&self) -> Pair<&RustView<'a>> {
        self.sides.rust
    }

    pub(super) fn docs(&self) -> Pair<&Doc<'a>> {
        self.sides.docs
    }
}
