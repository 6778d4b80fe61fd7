//! What a schema says about its values, read from its own keywords (no `$ref` followed, no
//! `allOf` merged): JSON type, format, enum values and whether the list is open,
//! constraints, default, flags. The one reading of those keywords: lowering documents them
//! from here (`Docs::notes`), and the spec diff compares them.

use openapiv3::{
    IntegerFormat, NumberFormat, Schema, SchemaData, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use crate::extensions::{EXTENSIBLE_ENUM, TIMESTAMP};

/// What a schema is, as far as JSON goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No type: any JSON value.
    Any,
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// `array`.
    Array,
    /// `object`.
    Object,
    /// `oneOf` alternatives.
    OneOf,
    /// `anyOf` alternatives.
    AnyOf,
    /// `not`.
    Not,
    /// An `allOf` of objects and non-objects: not one shape.
    Mixed,
}

impl Kind {
    /// The kind in a word or two (`string`, `allOf of mixed schemas`).
    pub fn word(self) -> &'static str {
        match self {
            Kind::Any => "any value",
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::OneOf => "oneOf",
            Kind::AnyOf => "anyOf",
            Kind::Not => "not",
            Kind::Mixed => "allOf of mixed schemas",
        }
    }
}

/// A constraint keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Constraint {
    MinLength,
    MaxLength,
    Pattern,
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
    MultipleOf,
    MinItems,
    MaxItems,
    UniqueItems,
    MinProperties,
    MaxProperties,
}

/// What a larger value of a constraint does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// Accepts fewer values.
    Lower,
    /// Accepts more values.
    Upper,
    /// `true` accepts fewer values.
    Flag,
    /// Accepts other values.
    Multiple,
    /// Accepts other values.
    Other,
}

impl Constraint {
    /// Every constraint, in the order they are reported.
    pub(crate) const ALL: [Constraint; 13] = [
        Self::MinLength,
        Self::MaxLength,
        Self::Pattern,
        Self::Minimum,
        Self::Maximum,
        Self::ExclusiveMinimum,
        Self::ExclusiveMaximum,
        Self::MultipleOf,
        Self::MinItems,
        Self::MaxItems,
        Self::UniqueItems,
        Self::MinProperties,
        Self::MaxProperties,
    ];

    /// The keyword.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Self::MinLength => "minLength",
            Self::MaxLength => "maxLength",
            Self::Pattern => "pattern",
            Self::Minimum => "minimum",
            Self::Maximum => "maximum",
            Self::ExclusiveMinimum => "exclusiveMinimum",
            Self::ExclusiveMaximum => "exclusiveMaximum",
            Self::MultipleOf => "multipleOf",
            Self::MinItems => "minItems",
            Self::MaxItems => "maxItems",
            Self::UniqueItems => "uniqueItems",
            Self::MinProperties => "minProperties",
            Self::MaxProperties => "maxProperties",
        }
    }

    pub(crate) fn bound(self) -> Bound {
        match self {
            Self::MinLength | Self::Minimum | Self::MinItems | Self::MinProperties => Bound::Lower,
            Self::MaxLength | Self::Maximum | Self::MaxItems | Self::MaxProperties => Bound::Upper,
            Self::ExclusiveMinimum | Self::ExclusiveMaximum | Self::UniqueItems => Bound::Flag,
            Self::MultipleOf => Bound::Multiple,
            Self::Pattern => Bound::Other,
        }
    }
}

/// A schema's own keywords, read ([`crate::model::Meaning`] dereferences to them).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The JSON type its `type` (or, without one, its keywords) gives; compositions
    /// (`oneOf`, `allOf`) are shapes that lowering decides, not facts.
    pub(crate) kind: Option<Kind>,
    /// `format`, as written.
    pub(crate) format: Option<String>,
    /// `x-cloudjobs-timestamp: true`.
    pub(crate) timestamp: bool,
    pub(crate) nullable: bool,
    pub(crate) read_only: bool,
    pub(crate) write_only: bool,
    pub(crate) deprecated: bool,
    /// `enum` values (without `null`), or the `x-extensible-enum` values.
    pub(crate) values: Vec<Value>,
    /// The values are `x-extensible-enum`: other values may appear.
    pub(crate) open: bool,
    /// The constraints given (`false` flags are none), in [`Constraint::ALL`] order.
    pub(crate) constraints: Vec<(Constraint, Value)>,
    pub(crate) default: Option<Value>,
    /// `discriminator.propertyName`.
    pub(crate) discriminator: Option<String>,
}

impl Facts {
    /// The value of a constraint.
    pub(crate) fn constraint(&self, c: Constraint) -> Option<&Value> {
        self.constraints
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v)
    }
}

/// A number as JSON: whole numbers as integers, as a spec writes them.
fn num(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        // Whole and within the exactly representable range.
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn format_of<T: Copy>(
    f: &VariantOrUnknownOrEmpty<T>,
    known: fn(T) -> &'static str,
) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(x) => Some(known(*x).to_owned()),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn string_format(f: StringFormat) -> &'static str {
    match f {
        StringFormat::Date => "date",
        StringFormat::DateTime => "date-time",
        StringFormat::Password => "password",
        StringFormat::Byte => "byte",
        StringFormat::Binary => "binary",
    }
}

/// The constraints of the typed keywords, `None`s and `false` flags left out.
struct Given {
    lengths: [Option<usize>; 2],
    pattern: Option<String>,
    range: [Option<Value>; 2],
    exclusive: [bool; 2],
    multiple_of: Option<Value>,
    items: [Option<usize>; 2],
    unique: bool,
    properties: [Option<usize>; 2],
}

impl Given {
    const NONE: Given = Given {
        lengths: [None, None],
        pattern: None,
        range: [None, None],
        exclusive: [false, false],
        multiple_of: None,
        items: [None, None],
        unique: false,
        properties: [None, None],
    };

    fn list(self) -> Vec<(Constraint, Value)> {
        let size = |v: Option<usize>| v.map(Value::from);
        let flag = |b: bool| b.then_some(Value::Bool(true));
        let values = [
            size(self.lengths[0]),
            size(self.lengths[1]),
            self.pattern.map(Value::String),
            self.range[0].clone(),
            self.range[1].clone(),
            flag(self.exclusive[0]),
            flag(self.exclusive[1]),
            self.multiple_of,
            size(self.items[0]),
            size(self.items[1]),
            flag(self.unique),
            size(self.properties[0]),
            size(self.properties[1]),
        ];
        (Constraint::ALL.into_iter().zip(values))
            .filter_map(|(c, v)| Some((c, v?)))
            .collect()
    }
}

/// Reads a schema's own keywords.
pub(crate) fn facts(schema: &Schema) -> Facts {
    let data = &schema.schema_data;
    let mut f = Facts {
        timestamp: data.extensions.get(TIMESTAMP) == Some(&Value::Bool(true)),
        nullable: data.nullable,
        read_only: data.read_only,
        write_only: data.write_only,
        deprecated: data.deprecated,
        default: data.default.clone(),
        discriminator: data.discriminator.as_ref().map(|d| d.property_name.clone()),
        ..Facts::default()
    };
    let mut given = Given::NONE;
    let values: Vec<Value> = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            f.kind = Some(Kind::String);
            f.format = format_of(&s.format, string_format);
            given.lengths = [s.min_length, s.max_length];
            given.pattern = s.pattern.clone();
            s.enumeration
                .iter()
                .flatten()
                .cloned()
                .map(Value::String)
                .collect()
        }
        SchemaKind::Type(Type::Integer(i)) => {
            f.kind = Some(Kind::Integer);
            f.format = format_of(&i.format, |x| match x {
                IntegerFormat::Int32 => "int32",
                IntegerFormat::Int64 => "int64",
            });
            given.range = [i.minimum.map(Value::from), i.maximum.map(Value::from)];
            given.exclusive = [i.exclusive_minimum, i.exclusive_maximum];
            given.multiple_of = i.multiple_of.map(Value::from);
            i.enumeration
                .iter()
                .flatten()
                .map(|v| Value::from(*v))
                .collect()
        }
        SchemaKind::Type(Type::Number(n)) => {
            f.kind = Some(Kind::Number);
            f.format = format_of(&n.format, |x| match x {
                NumberFormat::Float => "float",
                NumberFormat::Double => "double",
            });
            given.range = [n.minimum.map(num), n.maximum.map(num)];
            given.exclusive = [n.exclusive_minimum, n.exclusive_maximum];
            given.multiple_of = n.multiple_of.map(num);
            n.enumeration.iter().flatten().map(|v| num(*v)).collect()
        }
        SchemaKind::Type(Type::Boolean(b)) => {
            f.kind = Some(Kind::Boolean);
            b.enumeration
                .iter()
                .flatten()
                .map(|v| Value::Bool(*v))
                .collect()
        }
        SchemaKind::Type(Type::Array(a)) => {
            f.kind = Some(Kind::Array);
            given.items = [a.min_items, a.max_items];
            given.unique = a.unique_items;
            Vec::new()
        }
        SchemaKind::Type(Type::Object(o)) => {
            f.kind = Some(Kind::Object);
            given.properties = [o.min_properties, o.max_properties];
            Vec::new()
        }
        SchemaKind::Not { .. } => {
            f.kind = Some(Kind::Not);
            Vec::new()
        }
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::AllOf { .. } => {
            Vec::new()
        }
        SchemaKind::Any(any) => {
            f.format = any.format.clone();
            let (kind, any_given, values) = any_facts(any);
            (f.kind, given) = (kind, any_given);
            values
        }
    };
    f.constraints = given.list();
    (f.values, f.open) = known_values(values, data);
    f
}

/// The JSON type, constraints and `enum` values of a schema that mixes keywords (or has no
/// `type`).
fn any_facts(any: &openapiv3::AnySchema) -> (Option<Kind>, Given, Vec<Value>) {
    let given = Given {
        lengths: [any.min_length, any.max_length],
        pattern: any.pattern.clone(),
        range: [any.minimum.map(num), any.maximum.map(num)],
        exclusive: [
            any.exclusive_minimum == Some(true),
            any.exclusive_maximum == Some(true),
        ],
        multiple_of: any.multiple_of.map(num),
        items: [any.min_items, any.max_items],
        unique: any.unique_items == Some(true),
        properties: [any.min_properties, any.max_properties],
    };
    let values: Vec<Value> = (any.enumeration.iter())
        .filter(|v| !v.is_null())
        .cloned()
        .collect();
    let kind = match any.typ.as_deref() {
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("array") => Kind::Array,
        Some("object") => Kind::Object,
        Some(_) => Kind::Any,
        None if any.items.is_some() => Kind::Array,
        None if !values.is_empty() && values.iter().all(Value::is_string) => Kind::String,
        None if any.not.is_some() => Kind::Not,
        None => Kind::Any,
    };
    (Some(kind), given, values)
}

/// The known values of a schema: those its `enum` lists (without `null`), else those of its
/// `x-extensible-enum`, which leaves the list open (other values may appear).
pub(crate) fn known_values(listed: Vec<Value>, data: &SchemaData) -> (Vec<Value>, bool) {
    match data.extensions.get(EXTENSIBLE_ENUM) {
        Some(Value::Array(values)) if listed.is_empty() && !values.is_empty() => {
            (values.clone(), true)
        }
        _ => (listed, false),
    }
}
