//! Types: structs, open string enums, unions, aliases, newtypes, response enums.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::{Cx, ident};
use crate::ir::{
    Docs, Field, Operation, ResponseBody, ResponseEnum, ResponseHeaders, StringEnum, Struct, Ty,
    TypeDef, TypeKind, Union,
};

pub(super) fn emit_types(cx: &Cx<'_>) -> TokenStream {
    let items = cx.api.types.iter().map(|def| emit_type(cx, def));
    let headers = cx
        .api
        .operations
        .iter()
        .filter_map(|op| Some(emit_response_headers(op, op.success_headers.as_ref()?)));
    quote!(#(#items)* #(#headers)*)
}

/// The struct of an operation's documented success headers, and how it is read.
fn emit_response_headers(op: &Operation, headers: &ResponseHeaders) -> TokenStream {
    let name = ident(&headers.name);
    let summary = docs::doc_line(&format!(
        "The headers documented for the successful responses of {}: read from every \
         success response, a missing required one is an error.",
        docs::code(&op.id)
    ));
    let fields = headers.fields.iter().map(|h| {
        let field = ident(&h.name);
        // A fixed type path: the text always lexes.
        let ty: TokenStream = h.rust().parse().unwrap_or_default();
        let mut d = h.docs.clone();
        d.notes.push(format!("Header: {}.", docs::code(&h.wire)));
        let doc = docs::attrs(&d);
        quote! {
            #doc
            pub #field: #ty
        }
    });
    let reads = headers.fields.iter().map(|h| {
        let field = ident(&h.name);
        let wire = &h.wire;
        if h.required {
            quote!(#field: rt::transport::required_header(headers, #wire)?)
        } else {
            quote!(#field: rt::transport::optional_header(headers, #wire)?)
        }
    });
    quote! {
        #[doc = #summary]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#fields,)*
        }

        impl rt::FromHeaders for #name {
            fn from_headers(headers: &rt::header::HeaderMap) -> Result<Self, rt::HeaderError> {
                Ok(Self {
                    #(#reads,)*
                })
            }
        }
    }
}

fn emit_type(cx: &Cx<'_>, def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    let mut type_docs = def.docs.clone();
    if type_docs.summary.is_none() && type_docs.description.is_none() {
        type_docs.summary = Some(default_summary(def));
    }
    let doc = docs::attrs(&type_docs);
    match &def.kind {
        TypeKind::Struct(s) => emit_struct(cx, &name, doc, s),
        TypeKind::Enum(e) => emit_enum(&name, doc, e),
        TypeKind::Union(u) => emit_union(cx, &name, doc, u),
        TypeKind::Alias(ty) => {
            let ty = cx.ty(ty, false);
            quote! {
                #doc
                pub type #name = #ty;
            }
        }
        TypeKind::Newtype(ty) => {
            let ty = cx.ty(ty, false);
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #ty);
            }
        }
        TypeKind::Responses(r) => emit_responses(cx, &name, doc, r),
    }
}

fn default_summary(def: &TypeDef) -> String {
    match def.pointer.strip_prefix("#/components/schemas/") {
        Some(schema) if !schema.contains('/') => format!(
            "The {} schema.",
            docs::code(&schema.replace("~1", "/").replace("~0", "~"))
        ),
        _ => format!("The schema at {}.", docs::code(&def.pointer)),
    }
}

fn field_docs(field: &Field) -> Docs {
    let mut d = field.docs.clone();
    if d.summary.is_none() && d.description.is_none() {
        d.summary = Some(format!("The {} property.", docs::code(&field.wire)));
    }
    d
}

fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

fn emit_struct(
    cx: &Cx<'_>,
    name: &proc_macro2::Ident,
    doc: TokenStream,
    s: &Struct,
) -> TokenStream {
    let fields = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let fdoc = docs::attrs(&field_docs(f));
        let ty = cx.ty(&f.ty, false);
        let wire = &f.wire;
        let mut serde_args = Vec::new();
        if bare(&f.name) != f.wire {
            serde_args.push(quote!(rename = #wire));
        }
        let ty = if f.optional() {
            // Absent and `null` both read as `None`; `None` is left out when writing, unless
            // the field is required (then it is written as `null`).
            serde_args.push(quote!(default));
            if !f.required {
                serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
            }
            quote!(Option<#ty>)
        } else {
            ty
        };
        let serde_attr = if serde_args.is_empty() {
            quote!()
        } else {
            quote!(#[serde(#(#serde_args),*)])
        };
        quote! {
            #fdoc
            #serde_attr
            pub #fname: #ty,
        }
    });
    let additional = s.additional.as_ref().map(|(fname, ty)| {
        let fname = ident(fname);
        let ty = cx.ty(ty, false);
        quote! {
            /// Properties not named by the schema, kept as sent.
            #[serde(flatten)]
            pub #fname: std::collections::BTreeMap<String, #ty>,
        }
    });
    let all_optional = s.fields.iter().all(Field::optional);
    let derive_default = if all_optional {
        quote!(Default,)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

fn emit_enum(name: &proc_macro2::Ident, doc: TokenStream, e: &StringEnum) -> TokenStream {
    let variants = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let wire = &v.wire;
        let vdoc = docs::doc_line(&docs::code(wire));
        quote! {
            #[doc = #vdoc]
            #[serde(rename = #wire)]
            #vname,
        }
    });
    let arms = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let wire = &v.wire;
        quote!(Self::#vname => #wire,)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum #name {
            #(#variants)*
            /// A value the spec does not list, kept as sent (servers add values over time).
            #[serde(untagged)]
            Unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

fn emit_union(cx: &Cx<'_>, name: &proc_macro2::Ident, doc: TokenStream, u: &Union) -> TokenStream {
    let variants = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let ty = cx.ty(&v.ty, false);
        let vdoc = docs::doc_line(&match v.tags.as_slice() {
            [] => format!("A `{}`.", bare(&v.name)),
            tags => format!(
                "Selected by {} = {}.",
                docs::code(u.discriminator.as_deref().unwrap_or("")),
                tags.iter()
                    .map(|t| docs::code(t))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        });
        quote! {
            #[doc = #vdoc]
            #vname(#ty),
        }
    });
    let Some(property) = &u.discriminator else {
        return quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
            }
        };
    };
    // With a discriminator: choose the variant by the tag, keep the tag in the variant's
    // own fields, and keep values with a tag the spec does not list.
    let arms = u.variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
        let vname = ident(&v.name);
        let tags = &v.tags;
        quote!(Some(#(#tags)|*) => serde_json::from_value(value).map(Self::#vname),)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            /// A value whose discriminator the spec does not list, kept as sent.
            Unknown(serde_json::Value),
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let decoded = match value.get(#property).and_then(serde_json::Value::as_str) {
                    #(#arms)*
                    _ => return Ok(Self::Unknown(value)),
                };
                decoded.map_err(serde::de::Error::custom)
            }
        }
    }
}

fn emit_responses(
    cx: &Cx<'_>,
    name: &proc_macro2::Ident,
    doc: TokenStream,
    r: &ResponseEnum,
) -> TokenStream {
    let variants = r.variants.iter().map(|(vname, body, description)| {
        let vname = ident(vname);
        let vdoc = docs::attrs(&Docs {
            description: Some(description.clone()),
            ..Docs::default()
        });
        let payload = match body {
            ResponseBody::Empty => quote!(),
            ResponseBody::Json(ty) => {
                let ty = cx.ty(ty, false);
                quote!((#ty))
            }
            ResponseBody::Text => quote!((String)),
            ResponseBody::Bytes => quote!((rt::Bytes)),
        };
        quote! {
            #vdoc
            #vname #payload,
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// Whether values of this type print with `Display` as their wire form.
pub(super) fn is_display(cx: &Cx<'_>, ty: &Ty) -> bool {
    match ty {
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 | Ty::F32 | Ty::F64 => true,
        Ty::Named(id) => match &cx.api.types[*id].kind {
            TypeKind::Enum(_) => true,
            TypeKind::Alias(inner) => is_display(cx, inner),
            _ => false,
        },
        _ => false,
    }
}
