//! Stage 2: lower an OpenAPI document to the [`crate::ir`].
//!
//! Every `$ref` is resolved here (local pointers anywhere in the document, not only
//! `#/components`), every name is decided here (components first, in document order, so
//! their names never depend on inline schemas), and recursion is made representable
//! (`cycles`). Anything the generator cannot express exactly becomes either a documented
//! fallback with a [`Warning`] or an [`Error`] naming the node.

mod cycles;
pub(crate) mod facts;
mod jobs;
mod ops;
pub(crate) mod refs;
pub(crate) mod schema;

pub use ops::template_names;
pub(crate) use ops::{Declared, Site, declared_params, pick_media, sites};

use std::collections::HashMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Warning, child};
use crate::extensions::SERVICE;
use crate::ir::{Api, Server, ServiceNames, TypeDef, TypeId};
use crate::load::{Document, resolve_pointer};
use crate::names::Names;
use refs::Refs;

/// Lowers a loaded document; `module` is the Rust module name, `source` the spec path shown in
/// the generated header.
pub fn lower(doc: &Document, module: &str, source: &str) -> Result<Api, Error> {
    let mut cx = Lowerer::new(doc);
    cx.claim_component_names();
    cx.lower_components()?;
    let operations = cx.lower_operations()?;
    let mut types = cx.finish_types()?;
    cycles::make_representable(&mut types, &doc.file, &mut cx.warnings)?;
    let info = &doc.spec.info;
    let service = service_names(doc, module)?;
    Ok(Api {
        service,
        module: module.to_owned(),
        source: source.to_owned(),
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        servers: doc
            .spec
            .servers
            .iter()
            .map(|s| Server {
                url: s.url.clone(),
                description: s.description.clone(),
                variables: s
                    .variables
                    .iter()
                    .flatten()
                    .map(|(name, v)| (name.clone(), v.default.clone(), v.enumeration.clone()))
                    .collect(),
            })
            .collect(),
        types,
        operations,
        warnings: cx.warnings,
    })
}

/// `info.x-cloudjobs-service`, or the module name without a trailing `_jobs`.
fn service_names(doc: &Document, module: &str) -> Result<ServiceNames, Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        name: String,
        #[serde(default)]
        aliases: Vec<String>,
    }
    let at = child("#/info", &[SERVICE]);
    let Some(value) = doc.spec.info.extensions.get(SERVICE) else {
        let name = module
            .strip_suffix("_jobs")
            .unwrap_or(module)
            .replace('_', "-");
        return Ok(ServiceNames {
            name,
            aliases: Vec::new(),
        });
    };
    let raw: Raw = serde_json::from_value(value.clone()).map_err(|e| {
        Error::new(
            ErrorKind::Invalid,
            &doc.file,
            &at,
            format!("not a valid `{SERVICE}`: {e}"),
        )
    })?;
    let names = std::iter::once(("name".to_owned(), &raw.name)).chain(
        raw.aliases
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("aliases/{i}"), a)),
    );
    for (place, name) in names {
        if !is_service_name(name) {
            return Err(Error::new(
                ErrorKind::Invalid,
                &doc.file,
                &format!("{at}/{place}"),
                format!(
                    "`{}` is not a service name: lower-case letters, digits and single dashes, starting with a letter",
                    name.escape_debug()
                ),
            ));
        }
    }
    Ok(ServiceNames {
        name: raw.name,
        aliases: raw.aliases,
    })
}

/// Lower-case letters, digits and single inner dashes, starting with a letter.
pub(crate) fn is_service_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// State shared by the lowering passes.
pub(crate) struct Lowerer<'d> {
    pub(crate) doc: &'d Document,
    /// Types under construction; `None` while a type's own fields are being lowered.
    types: Vec<Option<TypeDef>>,
    /// The type made from the schema at a pointer.
    by_pointer: HashMap<String, TypeId>,
    /// The claimed names of `#/components/schemas/*`, by pointer.
    component_names: HashMap<String, String>,
    pub(crate) type_names: Names,
    pub(crate) warnings: Vec<Warning>,
    /// `$ref` targets, read once.
    pub(crate) refs: Refs<'d>,
}

impl<'d> Lowerer<'d> {
    fn new(doc: &'d Document) -> Self {
        Self {
            doc,
            types: Vec::new(),
            by_pointer: HashMap::new(),
            component_names: HashMap::new(),
            type_names: Names::for_types(),
            warnings: doc.warnings.clone(),
            refs: Refs::new(doc),
        }
    }

    pub(crate) fn error(
        &self,
        kind: ErrorKind,
        pointer: &str,
        message: impl Into<String>,
    ) -> Error {
        Error::new(kind, &self.doc.file, pointer, message)
    }

    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    fn claim_component_names(&mut self) {
        let Some(components) = &self.doc.spec.components else {
            return;
        };
        for name in components.schemas.keys() {
            let pointer = child("#/components/schemas", &[name]);
            let claimed = self.type_names.claim(&crate::names::camel(name, "Schema"));
            self.component_names.insert(pointer, claimed);
        }
    }

    fn lower_components(&mut self) -> Result<(), Error> {
        let Some(components) = &self.doc.spec.components else {
            return Ok(());
        };
        for name in components.schemas.keys() {
            let pointer = child("#/components/schemas", &[name]);
            self.named_ref(&pointer, &pointer)?;
        }
        Ok(())
    }

    /// The normalized target of a local `$ref`, or an error for references into other
    /// documents.
    fn local_target(&self, reference: &str, at: &str) -> Result<String, Error> {
        normalize_ref(reference).ok_or_else(|| {
            self.error(
                ErrorKind::Unsupported,
                at,
                format!("`$ref: {reference}` points into another document; only local references (`#/...`) are supported: bundle the spec first (for example with `redocly bundle`)"),
            )
        })
    }

    /// The `$ref` string of the node at `pointer`, when that node is itself a reference.
    pub(crate) fn raw_ref_at(&self, pointer: &str) -> Option<String> {
        resolve_pointer(&self.doc.raw, pointer)?
            .get("$ref")?
            .as_str()
            .map(str::to_owned)
    }

    /// When `reference` points at a node that is itself a `$ref`, that node's pointer.
    pub(crate) fn ref_chain_start(
        &self,
        reference: &str,
        at: &str,
    ) -> Result<Option<String>, Error> {
        let target = self.local_target(reference, at)?;
        Ok(self.raw_ref_at(&target).map(|_| target))
    }

    /// Resolves a local `$ref` (following chains of references) and deserializes its target
    /// as `T` (cached per pointer).
    pub(crate) fn fetch<T: DeserializeOwned + 'static>(
        &mut self,
        reference: &str,
        at: &str,
    ) -> Result<(String, Rc<T>), Error> {
        self.refs.fetch(reference, at)
    }

    /// Reserves a type slot for the schema at `pointer`, named `name` (already claimed).
    pub(crate) fn reserve_type(&mut self, pointer: &str) -> TypeId {
        let id = self.types.len();
        self.types.push(None);
        self.by_pointer.insert(pointer.to_owned(), id);
        id
    }

    pub(crate) fn define_type(&mut self, id: TypeId, def: TypeDef) {
        self.types[id] = Some(def);
    }

    /// Adds a finished type.
    pub(crate) fn add_type(&mut self, def: TypeDef) -> TypeId {
        let id = self.types.len();
        self.types.push(Some(def));
        id
    }

    pub(crate) fn type_at(&self, pointer: &str) -> Option<TypeId> {
        self.by_pointer.get(pointer).copied()
    }

    pub(crate) fn component_name(&self, pointer: &str) -> Option<&str> {
        self.component_names.get(pointer).map(String::as_str)
    }

    /// The definition of a type, if it is finished.
    pub(crate) fn type_def(&self, id: TypeId) -> Option<&TypeDef> {
        self.types.get(id).and_then(Option::as_ref)
    }

    fn finish_types(&mut self) -> Result<Vec<TypeDef>, Error> {
        let mut out = Vec::with_capacity(self.types.len());
        for (id, slot) in self.types.drain(..).enumerate() {
            match slot {
                Some(def) => out.push(def),
                None => {
                    let pointer = self
                        .by_pointer
                        .iter()
                        .find(|(_, v)| **v == id)
                        .map(|(k, _)| k.clone())
                        .unwrap_or_else(|| "#".into());
                    return Err(Error::new(
                        ErrorKind::Recursive,
                        &self.doc.file,
                        &pointer,
                        "this schema is defined only in terms of itself",
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// `#/components/schemas/A%20B` → `#/components/schemas/A B`; `None` for non-local refs.
fn normalize_ref(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    Some(format!("#{}", crate::load::percent_decode(fragment)))
}

/// The last reference token of a pointer, unescaped (`#/components/schemas/Job` → `Job`).
pub(crate) fn last_token(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .next()
        .unwrap_or("")
        .replace("~1", "/")
        .replace("~0", "~")
}
