//! Schemas to types.
//!
//! A schema becomes a named type when Rust needs one (an object with properties, a string
//! enum, a union, a merged `allOf`) or when it is a component (`#/components/schemas/*`,
//! kept as an alias when it is a primitive so the spec's name stays visible). Everything
//! else is a plain Rust type ([`Ty`]).

use std::collections::BTreeSet;
use std::rc::Rc;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, Discriminator, IntegerFormat, NumberFormat, ReferenceOr, Schema,
    SchemaData, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::facts::{Constraint, Facts, Kind, facts, known_values};
use super::refs::Refs;
use super::{Lowerer, last_token};
use crate::emit::docs::code;
use crate::error::{Error, ErrorKind, child};
use crate::extensions::{EXTENSIBLE_ENUM, TIMESTAMP as TIMESTAMP_EXTENSION};
use crate::ir::{
    Docs, Field, StringEnum, Struct, Ty, TypeDef, TypeKind, Union, UnionVariant, Variant,
};
use crate::names::{Names, camel, snake};

/// A schema or a reference to one.
#[derive(Clone, Copy)]
pub(crate) enum SRef<'s> {
    Ref(&'s str),
    Item(&'s Schema),
}

impl<'s> From<&'s ReferenceOr<Schema>> for SRef<'s> {
    fn from(value: &'s ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SRef::Ref(reference),
            ReferenceOr::Item(s) => SRef::Item(s),
        }
    }
}

impl<'s> From<&'s ReferenceOr<Box<Schema>>> for SRef<'s> {
    fn from(value: &'s ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SRef::Ref(reference),
            ReferenceOr::Item(s) => SRef::Item(s),
        }
    }
}

/// One property on its way into a struct (after `allOf` merging).
pub(crate) struct Prop {
    pub(crate) wire: String,
    pub(crate) schema: ReferenceOr<Box<Schema>>,
    /// Where the property is declared.
    pub(crate) pointer: String,
}

/// The object-ish parts of a schema, wherever they came from.
#[derive(Default)]
pub(crate) struct ObjectParts {
    /// In order of first declaration; a later declaration of the same name wins.
    pub(crate) props: Vec<Prop>,
    pub(crate) required: BTreeSet<String>,
    /// The last `additionalProperties` given, and where.
    pub(crate) additional: Option<AdditionalProperties>,
    pub(crate) additional_pointer: String,
}

impl ObjectParts {
    fn add(
        &mut self,
        properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        pointer: &str,
    ) {
        for (wire, schema) in properties {
            let prop = Prop {
                wire: wire.clone(),
                schema: schema.clone(),
                pointer: child(pointer, &["properties", wire]),
            };
            match self.props.iter_mut().find(|p| p.wire == *wire) {
                Some(existing) => *existing = prop,
                None => self.props.push(prop),
            }
        }
        self.required.extend(required.iter().cloned());
        if let Some(a) = additional {
            self.additional = Some(a.clone());
            self.additional_pointer = child(pointer, &["additionalProperties"]);
        }
    }
}

/// What a schema is, decided without lowering anything: the one reading of a schema's
/// shape, which the spec diff follows too (`diff/shape.rs`).
pub(crate) enum Class<'s> {
    Timestamp,
    String,
    Secret,
    Enum(Vec<String>),
    Integer(Ty),
    Number(Ty),
    Bool,
    Array(Option<SRef<'s>>),
    Object {
        properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'s [String],
        additional: Option<&'s AdditionalProperties>,
    },
    Union(&'static str, &'s [ReferenceOr<Schema>]),
    AllOf(&'s [ReferenceOr<Schema>], Option<&'s openapiv3::AnySchema>),
    Single(SRef<'s>, &'static str),
    Json(Option<&'static str>),
}

impl Class<'_> {
    /// Whether this needs a named Rust type of its own.
    fn needs_definition(&self) -> bool {
        match self {
            Class::Enum(_) | Class::Union(..) | Class::AllOf(..) => true,
            Class::Object { properties, .. } => !properties.is_empty(),
            _ => false,
        }
    }
}

/// An `allOf` merged: the properties of its object members (nested `allOf`s and `$ref`s
/// followed; members with no type and no properties only add documentation), and the
/// members that are not objects.
#[derive(Default)]
pub(crate) struct AllOf {
    pub(crate) parts: ObjectParts,
    /// The schemas whose properties were merged, in order.
    pub(crate) sources: Vec<String>,
    /// Members that are not objects (or are unions), with their pointers.
    pub(crate) not_objects: Vec<(ReferenceOr<Schema>, String)>,
}

/// What a merged `allOf` is.
pub(crate) enum AllOfShape<'m> {
    /// One struct of every member's properties.
    Struct,
    /// One member that is not an object and no properties: that member, unwrapped.
    Single(&'m ReferenceOr<Schema>, &'m str),
    /// Objects and non-objects: no one shape (any JSON value).
    Mixed,
}

impl AllOf {
    pub(crate) fn shape(&self) -> AllOfShape<'_> {
        match (self.not_objects.as_slice(), self.parts.props.is_empty()) {
            ([], _) => AllOfShape::Struct,
            ([(only, pointer)], true) => AllOfShape::Single(only, pointer),
            _ => AllOfShape::Mixed,
        }
    }
}

/// Merges the members of the `allOf` at `pointer` (and the properties beside it, `extra`).
pub(crate) fn merge_all_of(
    source: &mut Refs<'_>,
    members: &[ReferenceOr<Schema>],
    extra: Option<&openapiv3::AnySchema>,
    pointer: &str,
) -> Result<AllOf, Error> {
    let mut merged = AllOf::default();
    let mut seen = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let member_pointer = child(pointer, &["allOf", &i.to_string()]);
        collect_object(
            source,
            member.into(),
            &member_pointer,
            &mut merged,
            &mut seen,
        )?;
    }
    if let Some(any) = extra {
        merged.parts.add(
            &any.properties,
            &any.required,
            any.additional_properties.as_ref(),
            pointer,
        );
        merged.sources.push(pointer.to_owned());
    }
    Ok(merged)
}

/// Collects the properties of an `allOf` member (following `$ref`s and nested `allOf`s).
fn collect_object(
    source: &mut Refs<'_>,
    member: SRef<'_>,
    pointer: &str,
    merged: &mut AllOf,
    seen: &mut Vec<String>,
) -> Result<(), Error> {
    let (schema, at): (Rc<Schema>, String) = match member {
        SRef::Ref(reference) => {
            let (target, schema) = source.fetch::<Schema>(reference, pointer)?;
            if seen.contains(&target) {
                return Err(Error::new(
                    ErrorKind::Recursive,
                    source.file(),
                    pointer,
                    format!(
                        "`allOf` includes `{reference}`, which includes this schema again: no finite type merges them"
                    ),
                ));
            }
            seen.push(target.clone());
            (schema, target)
        }
        SRef::Item(schema) => (Rc::new(schema.clone()), pointer.to_owned()),
    };
    match classify(&schema) {
        Class::Object {
            properties,
            required,
            additional,
        } => {
            merged.parts.add(properties, required, additional, &at);
            merged.sources.push(at.clone());
        }
        Class::AllOf(members, extra) => {
            for (i, m) in members.iter().enumerate() {
                let p = child(&at, &["allOf", &i.to_string()]);
                collect_object(source, m.into(), &p, merged, seen)?;
            }
            if let Some(any) = extra {
                merged.parts.add(
                    &any.properties,
                    &any.required,
                    any.additional_properties.as_ref(),
                    &at,
                );
                merged.sources.push(at.clone());
            }
        }
        Class::Single(m, "allOf") => {
            let p = child(&at, &["allOf", "0"]);
            collect_object(source, m, &p, merged, seen)?;
        }
        // A member with no type and no properties only adds documentation.
        Class::Json(None) => {}
        _ => {
            let owned = match member {
                SRef::Ref(r) => ReferenceOr::Reference {
                    reference: r.to_owned(),
                },
                SRef::Item(s) => ReferenceOr::Item(s.clone()),
            };
            merged.not_objects.push((owned, pointer.to_owned()));
        }
    }
    if let SRef::Ref(_) = member {
        seen.pop();
    }
    Ok(())
}

/// The known string values: the `enum`'s, else the `x-extensible-enum`'s ([`known_values`]).
fn string_values(listed: Vec<String>, data: &SchemaData) -> Vec<String> {
    let (values, _) = known_values(listed.into_iter().map(Value::String).collect(), data);
    let strings = values.into_iter().filter_map(|v| match v {
        Value::String(s) => Some(s),
        _ => None,
    });
    strings.collect()
}

fn integer_ty(format: Option<&str>) -> Ty {
    match format {
        Some("int32" | "int16" | "int8") => Ty::I32,
        Some("uint32" | "uint16" | "uint8") => Ty::U32,
        Some("uint64" | "uint") => Ty::U64,
        _ => Ty::I64,
    }
}

fn number_ty(format: Option<&str>) -> Ty {
    match format {
        Some("float") => Ty::F32,
        _ => Ty::F64,
    }
}

fn format_str<T: Copy>(
    format: &VariantOrUnknownOrEmpty<T>,
    known: impl Fn(T) -> &'static str,
) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(f) => Some(known(*f).to_owned()),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

pub(crate) fn classify(schema: &Schema) -> Class<'_> {
    let data = &schema.schema_data;
    if data.extensions.get(TIMESTAMP_EXTENSION) == Some(&Value::Bool(true)) {
        return Class::Timestamp;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            let values = string_values(s.enumeration.iter().flatten().cloned().collect(), data);
            if !values.is_empty() {
                Class::Enum(values)
            } else if matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime)
            ) {
                Class::Timestamp
            } else if matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Password)
            ) {
                Class::Secret
            } else {
                Class::String
            }
        }
        SchemaKind::Type(Type::Integer(i)) => Class::Integer(integer_ty(
            format_str(&i.format, |f| match f {
                IntegerFormat::Int32 => "int32",
                IntegerFormat::Int64 => "int64",
            })
            .as_deref(),
        )),
        SchemaKind::Type(Type::Number(n)) => Class::Number(number_ty(
            format_str(&n.format, |f| match f {
                NumberFormat::Float => "float",
                NumberFormat::Double => "double",
            })
            .as_deref(),
        )),
        SchemaKind::Type(Type::Boolean(_)) => Class::Bool,
        SchemaKind::Type(Type::Array(a)) => Class::Array(a.items.as_ref().map(SRef::from)),
        SchemaKind::Type(Type::Object(o)) => Class::Object {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
        },
        SchemaKind::OneOf { one_of } => union_or_single("oneOf", one_of),
        SchemaKind::AnyOf { any_of } => union_or_single("anyOf", any_of),
        SchemaKind::AllOf { all_of } => match all_of.as_slice() {
            [only] => Class::Single(only.into(), "allOf"),
            members => Class::AllOf(members, None),
        },
        SchemaKind::Not { .. } => Class::Json(Some(
            "`not` schemas cannot be expressed as a Rust type; any JSON value is accepted",
        )),
        SchemaKind::Any(any) => classify_any(data, any),
    }
}

fn union_or_single<'s>(keyword: &'static str, members: &'s [ReferenceOr<Schema>]) -> Class<'s> {
    match members {
        [] => Class::Json(None),
        [only] => Class::Single(only.into(), keyword),
        many => Class::Union(keyword, many),
    }
}

/// Schemas that mix keywords of several kinds (or give no `type`).
fn classify_any<'s>(data: &SchemaData, any: &'s openapiv3::AnySchema) -> Class<'s> {
    let typ = any.typ.as_deref();
    if !any.all_of.is_empty() {
        return Class::AllOf(&any.all_of, Some(any));
    }
    if !any.properties.is_empty() || typ == Some("object") || any.additional_properties.is_some() {
        return Class::Object {
            properties: &any.properties,
            required: &any.required,
            additional: any.additional_properties.as_ref(),
        };
    }
    if !any.one_of.is_empty() {
        return union_or_single("oneOf", &any.one_of);
    }
    if !any.any_of.is_empty() {
        return union_or_single("anyOf", &any.any_of);
    }
    if !any.enumeration.is_empty() || data.extensions.contains_key(EXTENSIBLE_ENUM) {
        let strings: Vec<String> = any
            .enumeration
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let non_null = any.enumeration.iter().filter(|v| !v.is_null()).count();
        if strings.len() == non_null && (typ.is_none() || typ == Some("string")) {
            let values = string_values(strings, data);
            if !values.is_empty() {
                return Class::Enum(values);
            }
        }
    }
    if any.items.is_some() || typ == Some("array") {
        return Class::Array(any.items.as_ref().map(SRef::from));
    }
    match typ {
        Some("string") if any.format.as_deref() == Some("date-time") => Class::Timestamp,
        Some("string") if any.format.as_deref() == Some("password") => Class::Secret,
        Some("string") => Class::String,
        Some("integer") => Class::Integer(integer_ty(any.format.as_deref())),
        Some("number") => Class::Number(number_ty(any.format.as_deref())),
        Some("boolean") => Class::Bool,
        _ => Class::Json(None),
    }
}

impl Lowerer<'_> {
    /// The Rust type of a schema or reference at `pointer`; `hint` names inline types.
    pub(crate) fn ty(&mut self, schema: SRef<'_>, pointer: &str, hint: &str) -> Result<Ty, Error> {
        match schema {
            SRef::Ref(reference) => self.named_ref(reference, pointer),
            SRef::Item(schema) => self.inline(schema, pointer, hint),
        }
    }

    /// The type of the schema a `$ref` points at (one type per target, however often it is
    /// referenced).
    pub(crate) fn named_ref(&mut self, reference: &str, at: &str) -> Result<Ty, Error> {
        if let Some(id) = self.type_at(reference) {
            return Ok(Ty::Named(id));
        }
        // A schema that is itself a `$ref` (`Job: {$ref: ...}`) is an alias of its target.
        if let Some(target) = self.ref_chain_start(reference, at)? {
            if let Some(id) = self.type_at(&target) {
                return Ok(Ty::Named(id));
            }
            let inner = self.raw_ref_at(&target).unwrap_or_default();
            let name = self.name_for(&target);
            let id = self.reserve_type(&target);
            let ty = self.named_ref(&inner, &child(&target, &["$ref"]))?;
            self.define_type(
                id,
                TypeDef {
                    name,
                    pointer: target,
                    docs: Docs::default(),
                    kind: TypeKind::Alias(ty),
                },
            );
            return Ok(Ty::Named(id));
        }
        let (target, schema) = self.fetch::<Schema>(reference, at)?;
        if let Some(id) = self.type_at(&target) {
            return Ok(Ty::Named(id));
        }
        let name = self.name_for(&target);
        let id = self.reserve_type(&target);
        let def = self.definition(&schema, &target, &name)?;
        self.define_type(id, def);
        Ok(Ty::Named(id))
    }

    /// The claimed name of a component, or a new name made from the pointer.
    fn name_for(&mut self, target: &str) -> String {
        match self.component_name(target) {
            Some(name) => name.to_owned(),
            None => {
                let wanted = camel(&name_from_pointer(target), "Schema");
                self.type_names.claim(&wanted)
            }
        }
    }

    fn inline(&mut self, schema: &Schema, pointer: &str, hint: &str) -> Result<Ty, Error> {
        if let Some(id) = self.type_at(pointer) {
            return Ok(Ty::Named(id));
        }
        let class = classify(schema);
        if !class.needs_definition() {
            return self.plain(schema, class, pointer, hint);
        }
        let name = self.type_names.claim(hint);
        let id = self.reserve_type(pointer);
        let def = self.definition(schema, pointer, &name)?;
        self.define_type(id, def);
        Ok(Ty::Named(id))
    }

    /// A type that needs no definition of its own.
    fn plain(
        &mut self,
        schema: &Schema,
        class: Class<'_>,
        pointer: &str,
        hint: &str,
    ) -> Result<Ty, Error> {
        Ok(match class {
            Class::Timestamp => Ty::Timestamp,
            Class::String => Ty::String,
            Class::Secret => Ty::Secret,
            Class::Integer(t) | Class::Number(t) => t,
            Class::Bool => Ty::Bool,
            Class::Array(None) => Ty::Vec(Box::new(Ty::Json)),
            Class::Array(Some(items)) => {
                let item_pointer = child(pointer, &["items"]);
                let item = self.ty(items, &item_pointer, &format!("{hint}Item"))?;
                let item = if self.nullable(items) {
                    Ty::Option(Box::new(item))
                } else {
                    item
                };
                Ty::Vec(Box::new(item))
            }
            Class::Object { additional, .. } => match additional {
                Some(AdditionalProperties::Schema(values)) => {
                    let values = values.as_ref();
                    let value_pointer = child(pointer, &["additionalProperties"]);
                    let value = self.ty(values.into(), &value_pointer, &format!("{hint}Value"))?;
                    let value = if self.nullable(values.into()) {
                        Ty::Option(Box::new(value))
                    } else {
                        value
                    };
                    Ty::Map(Box::new(value))
                }
                _ => Ty::JsonObject,
            },
            Class::Single(member, keyword) => {
                let member_pointer = child(pointer, &[keyword, "0"]);
                self.ty(member, &member_pointer, hint)?
            }
            Class::Json(reason) => {
                if let Some(reason) = reason {
                    self.warn(pointer, reason);
                }
                Ty::Json
            }
            Class::Enum(_) | Class::Union(..) | Class::AllOf(..) => {
                // Callers only get here with `needs_definition() == false`; stay total anyway.
                let name = self.type_names.claim(hint);
                let id = self.reserve_type(pointer);
                let def = self.definition(schema, pointer, &name)?;
                self.define_type(id, def);
                Ty::Named(id)
            }
        })
    }

    /// The definition of a named type.
    fn definition(&mut self, schema: &Schema, pointer: &str, name: &str) -> Result<TypeDef, Error> {
        let docs = self.docs(schema);
        let class = classify(schema);
        let kind = match class {
            Class::Enum(values) => TypeKind::Enum(string_enum(&values)),
            Class::Object {
                properties,
                required,
                additional,
            } if !properties.is_empty() => {
                let mut parts = ObjectParts::default();
                parts.add(properties, required, additional, pointer);
                TypeKind::Struct(self.build_struct(parts, name)?)
            }
            Class::Union(keyword, members) => TypeKind::Union(self.build_union(
                keyword,
                members,
                schema.schema_data.discriminator.as_ref(),
                pointer,
                name,
            )?),
            Class::AllOf(members, extra) => self.merge_all_of(members, extra, pointer, name)?,
            other => TypeKind::Alias(self.plain(schema, other, pointer, name)?),
        };
        Ok(TypeDef {
            name: name.to_owned(),
            pointer: pointer.to_owned(),
            docs,
            kind,
        })
    }

    fn build_struct(&mut self, parts: ObjectParts, name: &str) -> Result<Struct, Error> {
        let mut names = Names::default();
        let mut fields = Vec::with_capacity(parts.props.len());
        for prop in &parts.props {
            let schema = SRef::from(&prop.schema);
            let field_name = names.claim(&snake(&prop.wire, "field"));
            let hint = format!("{name}{}", camel(&prop.wire, "Field"));
            let ty = self.ty(schema, &prop.pointer, &hint)?;
            let docs = self.docs_of(schema, &prop.pointer);
            fields.push(Field {
                name: field_name,
                wire: prop.wire.clone(),
                ty,
                required: parts.required.contains(&prop.wire),
                nullable: self.nullable(schema),
                docs,
            });
        }
        let additional = match &parts.additional {
            Some(AdditionalProperties::Schema(values)) => {
                let values = values.as_ref();
                let value = self.ty(
                    values.into(),
                    &parts.additional_pointer,
                    &format!("{name}Value"),
                )?;
                Some((names.claim("additional_properties"), value))
            }
            Some(AdditionalProperties::Any(true)) => {
                Some((names.claim("additional_properties"), Ty::Json))
            }
            _ => None,
        };
        Ok(Struct { fields, additional })
    }

    fn build_union(
        &mut self,
        keyword: &str,
        members: &[ReferenceOr<Schema>],
        discriminator: Option<&Discriminator>,
        pointer: &str,
        name: &str,
    ) -> Result<Union, Error> {
        // A discriminated union has an `Unknown` variant of its own.
        let mut names = if discriminator.is_some() {
            Names::with_reserved(&["Unknown"])
        } else {
            Names::default()
        };
        let mut variants = Vec::with_capacity(members.len());
        for (i, member) in members.iter().enumerate() {
            let member_pointer = child(pointer, &[keyword, &i.to_string()]);
            let ty = self.ty(
                member.into(),
                &member_pointer,
                &format!("{name}Variant{}", i + 1),
            )?;
            let (wanted, tags) = match member {
                ReferenceOr::Reference { reference } => {
                    let target_name = last_token(reference);
                    let tags = match discriminator {
                        Some(d) => {
                            let mapped: Vec<String> = d
                                .mapping
                                .iter()
                                .filter(|(_, to)| same_target(to, reference))
                                .map(|(tag, _)| tag.clone())
                                .collect();
                            if mapped.is_empty() {
                                vec![target_name.clone()]
                            } else {
                                mapped
                            }
                        }
                        None => Vec::new(),
                    };
                    (camel(&target_name, "Variant"), tags)
                }
                ReferenceOr::Item(s) => {
                    let word = match (&s.schema_data.title, &ty) {
                        (Some(title), _) => camel(title, "Variant"),
                        (None, Ty::Named(_)) => format!("Variant{}", i + 1),
                        (None, other) => ty_word(other).to_owned(),
                    };
                    (word, Vec::new())
                }
            };
            variants.push(UnionVariant {
                name: names.claim(&wanted),
                ty,
                tags,
            });
        }
        let mut discriminator = discriminator.map(|d| d.property_name.clone());
        if let Some(property) = &discriminator {
            // Inline variants name their tag with a one-value enum on the property.
            for v in variants.iter_mut().filter(|v| v.tags.is_empty()) {
                v.tags = self.single_value_tag(&v.ty, property).into_iter().collect();
            }
            if variants.iter().any(|v| v.tags.is_empty()) {
                self.warn(
                    pointer,
                    format!("the discriminator `{property}` does not name a tag for every variant; the variants are tried in order instead"),
                );
                discriminator = None;
                variants.iter_mut().for_each(|v| v.tags.clear());
            }
        }
        Ok(Union {
            variants,
            discriminator,
        })
    }

    /// The tag of a variant whose discriminator property is an enum of exactly one value.
    fn single_value_tag(&self, ty: &Ty, property: &str) -> Option<String> {
        let Ty::Named(id) = ty else { return None };
        let TypeKind::Struct(s) = &self.type_def(*id)?.kind else {
            return None;
        };
        let field = s.fields.iter().find(|f| f.wire == property)?;
        let Ty::Named(enum_id) = &field.ty else {
            return None;
        };
        match &self.type_def(*enum_id)?.kind {
            TypeKind::Enum(e) if e.variants.len() == 1 => Some(e.variants[0].wire.clone()),
            _ => None,
        }
    }

    /// `allOf`: the members' properties merged into one struct.
    fn merge_all_of(
        &mut self,
        members: &[ReferenceOr<Schema>],
        extra: Option<&openapiv3::AnySchema>,
        pointer: &str,
        name: &str,
    ) -> Result<TypeKind, Error> {
        let merged = merge_all_of(&mut self.refs, members, extra, pointer)?;
        match merged.shape() {
            AllOfShape::Struct => Ok(TypeKind::Struct(self.build_struct(merged.parts, name)?)),
            AllOfShape::Single(only, only_pointer) => {
                let ty = self.ty(SRef::from(only), only_pointer, name)?;
                Ok(TypeKind::Alias(ty))
            }
            AllOfShape::Mixed => {
                self.warn(
                    pointer,
                    "`allOf` mixes objects with non-object schemas (or unions); it cannot be merged into one struct, so any JSON value is accepted",
                );
                Ok(TypeKind::Alias(Ty::Json))
            }
        }
    }

    /// Whether the schema (or the schema a `$ref` points at) is `nullable`.
    pub(crate) fn nullable(&mut self, schema: SRef<'_>) -> bool {
        match schema {
            SRef::Item(s) => s.schema_data.nullable,
            SRef::Ref(reference) => self
                .fetch::<Schema>(reference, "#")
                .map(|(_, s)| s.schema_data.nullable)
                .unwrap_or(false),
        }
    }

    /// Documentation for a field or parameter: its own, or its `$ref` target's.
    pub(crate) fn docs_of(&mut self, schema: SRef<'_>, pointer: &str) -> Docs {
        match schema {
            SRef::Item(s) => self.docs(s),
            SRef::Ref(reference) => match self.fetch::<Schema>(reference, pointer) {
                Ok((_, target)) => {
                    let mut docs = self.docs(&target);
                    docs.example = None;
                    docs
                }
                Err(_) => Docs::default(),
            },
        }
    }

    pub(crate) fn docs(&self, schema: &Schema) -> Docs {
        let data = &schema.schema_data;
        let f = facts(schema);
        // Constraints are documented for schemas with a `type` only.
        let mut notes = match schema.schema_kind {
            SchemaKind::Type(_) => constraint_notes(&f),
            _ => Vec::new(),
        };
        if let Some(default) = &data.default {
            notes.push(format!("Default: {}", code(&compact_json(default))));
        }
        if data.read_only {
            notes.push("Read-only: sent by the server, ignored in requests.".into());
        }
        if data.write_only {
            notes.push("Write-only: sent in requests, never returned.".into());
        }
        Docs {
            summary: data.title.clone(),
            description: data.description.clone(),
            notes,
            example: data.example.as_ref().map(compact_json),
            deprecated: data.deprecated,
        }
    }
}

/// Notes on lengths, patterns, unusual formats, open enums, ranges and item counts.
fn constraint_notes(f: &Facts) -> Vec<String> {
    use Constraint as C;
    let text = |c| f.constraint(c).map(|v| v.to_string());
    let given = |c| f.constraint(c).is_some();
    let mut notes = Vec::new();
    match f.kind {
        Some(Kind::String) => {
            if let Some(range) = range_note(text(C::MinLength), text(C::MaxLength)) {
                notes.push(format!("Length: {range}"));
            }
            if let Some(Value::String(p)) = f.constraint(C::Pattern) {
                notes.push(format!("Pattern: {}", code(p)));
            }
            let known = ["date", "date-time", "password", "byte", "binary"];
            if let Some(format) = f.format.as_deref().filter(|f| !known.contains(f)) {
                notes.push(format!("Format: {}", code(format)));
            }
            if f.open {
                notes.push(
                    "Other values may appear: the list of known values is not closed.".into(),
                );
            }
        }
        Some(Kind::Integer | Kind::Number) => {
            let low = (text(C::Minimum)).map(|m| {
                format!(
                    "{} {m}",
                    if given(C::ExclusiveMinimum) {
                        ">"
                    } else {
                        ">="
                    }
                )
            });
            let high = (text(C::Maximum)).map(|m| {
                format!(
                    "{} {m}",
                    if given(C::ExclusiveMaximum) {
                        "<"
                    } else {
                        "<="
                    }
                )
            });
            let range = match (low, high) {
                (None, None) => None,
                (Some(l), Some(h)) => Some(format!("{l} and {h}")),
                (Some(x), None) | (None, Some(x)) => Some(x),
            };
            if let Some(r) = range {
                notes.push(format!("Range: {r}"));
            }
        }
        Some(Kind::Array) => {
            if let Some(range) = range_note(text(C::MinItems), text(C::MaxItems)) {
                notes.push(format!("Items: {range}"));
            }
            if given(C::UniqueItems) {
                notes.push("Items are unique.".into());
            }
        }
        _ => {}
    }
    notes
}

fn string_enum(values: &[String]) -> StringEnum {
    let mut names = Names::with_reserved(&["Unknown"]);
    let mut seen = BTreeSet::new();
    let variants = values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .map(|wire| Variant {
            name: names.claim(&camel(wire, if wire.is_empty() { "Empty" } else { "V" })),
            wire: wire.clone(),
        })
        .collect();
    StringEnum { variants }
}

fn same_target(a: &str, b: &str) -> bool {
    a == b || last_token(a) == last_token(b) && !a.contains('/')
}

fn ty_word(ty: &Ty) -> &'static str {
    match ty {
        Ty::String => "String",
        Ty::Bool => "Boolean",
        Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 => "Integer",
        Ty::F32 | Ty::F64 => "Number",
        Ty::Timestamp => "Timestamp",
        Ty::Secret => "Secret",
        Ty::Json => "Value",
        Ty::Bytes => "Bytes",
        Ty::JsonObject | Ty::Map(_) => "Object",
        Ty::Vec(_) => "Array",
        Ty::Option(inner) | Ty::Boxed(inner) => ty_word(inner),
        Ty::Named(_) => "Variant",
    }
}

/// A readable type name from a pointer that is not a component (`#/components/schemas/A/properties/b` → `AB`).
fn name_from_pointer(pointer: &str) -> String {
    const SKIP: &[&str] = &[
        "components",
        "schemas",
        "properties",
        "items",
        "allOf",
        "oneOf",
        "anyOf",
        "additionalProperties",
        "content",
        "schema",
        "responses",
        "paths",
    ];
    pointer
        .trim_start_matches('#')
        .split('/')
        .filter(|t| !t.is_empty() && !SKIP.contains(t) && !t.chars().all(|c| c.is_ascii_digit()))
        .map(|t| camel(&t.replace("~1", "/").replace("~0", "~"), ""))
        .collect::<Vec<_>>()
        .join("")
}

fn range_note(min: Option<String>, max: Option<String>) -> Option<String> {
    match (min, max) {
        (None, None) => None,
        (Some(a), Some(b)) => Some(format!("{a}..={b}")),
        (Some(a), None) => Some(format!("at least {a}")),
        (None, Some(b)) => Some(format!("at most {b}")),
    }
}

pub(crate) fn compact_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
