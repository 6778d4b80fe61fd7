//! Local `$ref`s followed and their targets read as typed nodes, cached by pointer: how
//! lowering and the spec diff read references (both through [`crate::load::follow`], as the
//! raw-tree readers of [`crate::load::follow_refs`] do).

use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::load::{Document, RefError, follow, resolve_pointer};

/// A document's references, with their targets read as typed nodes once.
pub(crate) struct Refs<'d> {
    doc: &'d Document,
    cache: HashMap<String, Rc<dyn Any>>,
}

impl<'d> Refs<'d> {
    pub(crate) fn new(doc: &'d Document) -> Self {
        Self {
            doc,
            cache: HashMap::new(),
        }
    }

    /// The document's file, for errors.
    pub(crate) fn file(&self) -> &'d str {
        &self.doc.file
    }

    /// Follows a local `$ref` found at `at` and reads its target as `T`.
    pub(crate) fn fetch<T: DeserializeOwned + 'static>(
        &mut self,
        reference: &str,
        at: &str,
    ) -> Result<(String, Rc<T>), Error> {
        let file = self.file();
        let (target, raw) = follow(&self.doc.raw, reference, at).map_err(|e| match e {
            RefError::NotLocal { reference, at } => Error::new(
                ErrorKind::Unsupported,
                file,
                &at,
                format!("`$ref: {reference}` points into another document; only local references (`#/...`) are supported: bundle the spec first (for example with `redocly bundle`)"),
            ),
            RefError::Dangling => Error::new(
                ErrorKind::DanglingRef,
                file,
                at,
                format!("`$ref: {reference}` points at nothing in this document"),
            ),
            RefError::Cycle => Error::new(
                ErrorKind::Recursive,
                file,
                at,
                format!("`$ref: {reference}` leads into a cycle of references"),
            ),
        })?;
        match self.read::<T>(&target, raw) {
            Ok(typed) => Ok((target, typed)),
            Err(e) => Err(Error::new(
                ErrorKind::Invalid,
                file,
                &target,
                format!(
                    "the target of `$ref` at {at} is not a valid {}: {e}",
                    short_type_name::<T>()
                ),
            )),
        }
    }

    /// The node at `pointer` (no `$ref` followed) read as `T`; `None` when it is not one.
    pub(crate) fn at<T: DeserializeOwned + 'static>(&mut self, pointer: &str) -> Option<Rc<T>> {
        let raw = resolve_pointer(&self.doc.raw, pointer)?;
        self.read(pointer, raw).ok()
    }

    fn read<T: DeserializeOwned + 'static>(
        &mut self,
        pointer: &str,
        raw: &Value,
    ) -> Result<Rc<T>, serde_json::Error> {
        if let Some(hit) = self.cache.get(pointer)
            && let Ok(typed) = Rc::clone(hit).downcast::<T>()
        {
            return Ok(typed);
        }
        let typed = Rc::new(serde_json::from_value::<T>(raw.clone())?);
        self.cache.insert(pointer.to_owned(), typed.clone());
        Ok(typed)
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}
