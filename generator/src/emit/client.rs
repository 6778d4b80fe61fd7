//! The client: a `Client` with one method per operation, each returning a request builder
//! that is sent with `.send().await` or just `.await`.

use heck::ToShoutySnakeCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::types::is_display;
use super::{Cx, docs, ident};
use crate::ir::{
    Docs, Input, Media, Operation, Outcome, OutcomeKind, ParamLocation, QueryStyle, ResponseBody,
    StatusMatch, Ty,
};

pub(super) fn emit_client(cx: &Cx<'_>) -> TokenStream {
    let api = cx.api;
    let service = emit_service(cx);
    let client_doc = docs::lines_to_attrs(&[
        format!(
            "Client for {}.",
            docs::sanitize(api.title.trim_end_matches('.'))
        ),
        String::new(),
        format!(
            "Made from a shared [`rt::Config`]; the endpoint is the configuration's explicit one for `{}`, or the spec's server URL with the configured region.",
            api.module
        ),
    ]);
    let methods = api.operations.iter().map(|op| emit_method(cx, op));
    let builders = api.operations.iter().map(|op| emit_builder(cx, op));
    quote! {
        #service

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: rt::ServiceClient,
        }

        impl Client {
            /// Makes a client from a shared configuration.
            ///
            /// # Errors
            ///
            /// When no endpoint can be made for this service (no region and no explicit
            /// endpoint, or a region the spec does not allow).
            pub fn new(config: &rt::Config) -> Result<Self, rt::ConfigError> {
                Ok(Self { inner: rt::ServiceClient::new(config, &SERVICE)? })
            }

            /// Wraps a service client made elsewhere (for example with a custom endpoint).
            pub fn from_service_client(inner: rt::ServiceClient) -> Self {
                Self { inner }
            }

            /// The service client underneath: endpoint, configuration.
            pub fn service_client(&self) -> &rt::ServiceClient {
                &self.inner
            }

            #(#methods)*
        }

        /// Request builders, one per operation: returned by the [`Client`] methods, sent with
        /// `.send().await` or just `.await`.
        pub mod builder {
            #[allow(unused_imports)]
            use super::{rt, types, Client};

            #(#builders)*
        }
    }
}

fn emit_service(cx: &Cx<'_>) -> TokenStream {
    let api = cx.api;
    let name = &api.module;
    let title = &api.title;
    let servers = api.servers.iter().map(|s| {
        let url = &s.url;
        let vars = s.variables.iter().map(|(name, default, allowed)| {
            quote!(rt::ServerVariable { name: #name, default: #default, allowed: &[#(#allowed),*] })
        });
        quote!(rt::Server { url: #url, variables: &[#(#vars),*] })
    });
    quote! {
        /// This API as the runtime sees it: its name (the key for
        /// [`rt::ConfigBuilder::endpoint`]) and its servers.
        pub static SERVICE: rt::Service = rt::Service {
            name: #name,
            title: #title,
            servers: &[#(#servers),*],
        };
    }
}

/// The type a method argument or setter takes.
fn arg(cx: &Cx<'_>, input: &Input<'_>) -> TokenStream {
    if input.into_string() {
        quote!(impl Into<String>)
    } else {
        cx.ty(input.ty, true)
    }
}

fn ok_type(cx: &Cx<'_>, outcome: &Outcome) -> TokenStream {
    match &outcome.kind {
        OutcomeKind::Single(body) => body_type(cx, body),
        OutcomeKind::Enum(id) => {
            let name = ident(&cx.api.types[*id].name);
            quote!(types::#name)
        }
    }
}

fn err_type(cx: &Cx<'_>, outcome: &Outcome) -> TokenStream {
    match &outcome.kind {
        OutcomeKind::Single(ResponseBody::Json(ty)) => cx.ty(ty, true),
        OutcomeKind::Single(_) => quote!(rt::Undocumented),
        OutcomeKind::Enum(id) => {
            let name = ident(&cx.api.types[*id].name);
            quote!(types::#name)
        }
    }
}

fn body_type(cx: &Cx<'_>, body: &ResponseBody) -> TokenStream {
    match body {
        ResponseBody::Empty => quote!(()),
        ResponseBody::Json(ty) => cx.ty(ty, true),
        ResponseBody::Text => quote!(String),
        ResponseBody::Bytes => quote!(rt::Bytes),
    }
}

fn operation_docs(op: &Operation) -> Docs {
    let mut d = op.docs.clone();
    if d.summary.is_none() && d.description.is_none() {
        d.summary = Some(request_line(op));
    } else {
        d.notes.push(format!(
            "{} (operation {})",
            request_line(op),
            docs::code(&op.id)
        ));
    }
    d
}

/// `` `GET /path` ``, as inline code.
fn request_line(op: &Operation) -> String {
    docs::code(&format!("{} {}", op.http_method, op.path))
}

fn emit_method(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let method = ident(&op.method_name);
    let builder = ident(&op.builder_name);
    let doc = docs::attrs(&operation_docs(op));
    let inputs = op.inputs();
    let args: Vec<TokenStream> = (inputs.iter().filter(|i| i.required))
        .map(|i| {
            let (name, ty) = (ident(i.name), arg(cx, i));
            quote!(#name: #ty)
        })
        .collect();
    let inits = inputs.iter().map(|i| {
        let name = ident(i.name);
        match (i.required, i.into_string()) {
            (false, _) => quote!(#name: None),
            (true, true) => quote!(#name: #name.into()),
            (true, false) => quote!(#name),
        }
    });
    let params_doc = param_list_docs(op);
    let allow = if args.len() > 6 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    quote! {
        #doc
        #params_doc
        #allow
        pub fn #method(&self, #(#args),*) -> builder::#builder<'_> {
            builder::#builder { client: self, #(#inits),* }
        }
    }
}

/// `# Arguments` for the required parameters, so the positional arguments are explained.
fn param_list_docs(op: &Operation) -> TokenStream {
    let mut lines = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let text = p
            .docs
            .description
            .as_deref()
            .or(p.docs.summary.as_deref())
            .unwrap_or("");
        let text = docs::sanitize(text).replace('\n', " ");
        lines.push(format!(
            "- `{}` ({} {}): {}",
            p.name.trim_start_matches("r#"),
            location_word(p.location),
            docs::code(&p.wire),
            text.trim()
        ));
    }
    if op.body.as_ref().is_some_and(|b| b.required) {
        lines.push("- `body`: the request body.".to_owned());
    }
    if lines.is_empty() {
        return quote!();
    }
    let mut all = vec![String::new(), "# Arguments".to_owned(), String::new()];
    all.extend(lines);
    docs::lines_to_attrs(&all)
}

fn location_word(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query(_) => "query",
        ParamLocation::Header => "header",
    }
}

fn query_style(style: QueryStyle) -> TokenStream {
    match style {
        QueryStyle::Form => quote!(rt::QueryStyle::Form),
        QueryStyle::FormNoExplode => quote!(rt::QueryStyle::FormNoExplode),
        QueryStyle::SpaceDelimited => quote!(rt::QueryStyle::SpaceDelimited),
        QueryStyle::PipeDelimited => quote!(rt::QueryStyle::PipeDelimited),
        QueryStyle::DeepObject => quote!(rt::QueryStyle::DeepObject),
    }
}

fn emit_builder(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let builder = ident(&op.builder_name);
    let method = &op.method_name;
    let operation_static = format_ident!(
        "{}",
        op.builder_name
            .trim_start_matches("r#")
            .to_shouty_snake_case()
    );
    let builder_doc = docs::doc_line(&format!(
        "A {} request: made by [`Client::{}`], sent with `.send().await` or `.await`.",
        request_line(op),
        method.trim_start_matches("r#")
    ));
    let inputs = op.inputs();
    let fields = inputs.iter().map(|i| {
        let (name, ty) = (ident(i.name), cx.ty(i.ty, true));
        if i.required {
            quote!(pub(super) #name: #ty)
        } else {
            quote!(pub(super) #name: Option<#ty>)
        }
    });
    let setters = inputs
        .iter()
        .filter(|i| !i.required)
        .map(|i| emit_setter(cx, i));
    let ok = ok_type(cx, &op.success);
    // `Response<T, H>`: `H` reads the documented success headers, when there are any.
    let ok = match &op.success_headers {
        None => ok,
        Some(h) => {
            let headers = ident(&h.name);
            quote!(#ok, types::#headers)
        }
    };
    let err = err_type(cx, &op.failure);
    let send_body = emit_send(cx, op, &operation_static);
    let http_method = ident(&op.http_method);
    let id = &op.id;
    let path = &op.path;
    let authenticated = op.authenticated;
    quote! {
        static #operation_static: rt::Operation = rt::Operation {
            id: #id,
            method: rt::Method::#http_method,
            path: #path,
            authenticated: #authenticated,
        };

        #[doc = #builder_doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent: `.send().await` or `.await` it"]
        pub struct #builder<'a> {
            pub(super) client: &'a Client,
            #(#fields,)*
        }

        impl<'a> #builder<'a> {
            #(#setters)*

            /// Sends the request and reads the whole response.
            ///
            /// # Errors
            ///
            /// [`rt::Error::Api`] for an error status (with the documented body when there
            /// is one), and the transport, timeout, decoding and authentication errors of
            /// [`rt::Error`].
            pub async fn send(self) -> Result<rt::Response<#ok>, rt::Error<#err>> {
                #send_body
            }
        }

        impl<'a> std::future::IntoFuture for #builder<'a> {
            type Output = Result<rt::Response<#ok>, rt::Error<#err>>;
            type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    }
}

/// A builder setter: an optional parameter or an optional body.
fn emit_setter(cx: &Cx<'_>, input: &Input<'_>) -> TokenStream {
    let name = ident(input.name);
    let mut d = input.docs.clone();
    match input.param {
        Some(p) => {
            let what = capitalized(location_word(p.location));
            d.notes
                .insert(0, format!("{what} parameter {}.", docs::code(&p.wire)));
        }
        None => d.summary = Some("The request body.".into()),
    }
    let doc = docs::attrs(&d);
    let ty = arg(cx, input);
    let value = if input.into_string() {
        quote!(value.into())
    } else {
        quote!(value)
    };
    quote! {
        #doc
        pub fn #name(mut self, value: #ty) -> Self {
            self.#name = Some(#value);
            self
        }
    }
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The request with its path: `/v1/{project_id}/jobs` → [Text("/v1/"), Param("project_id",
/// ..), Text("/jobs")].
fn new_request(op: &Operation, operation_static: &proc_macro2::Ident) -> TokenStream {
    // The path: `/v1/{project_id}/jobs` → [Text("/v1/"), Param("project_id", ..), Text("/jobs")].
    let mut pieces = Vec::new();
    let mut has_params = false;
    let mut literal = String::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        literal.push_str(&rest[..start]);
        let wire = &rest[start + 1..start + len];
        match op
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.wire == wire)
        {
            Some(p) => {
                if !literal.is_empty() {
                    pieces.push(quote!(rt::PathPart::Text(#literal)));
                    literal.clear();
                }
                let name = ident(&p.name);
                pieces.push(match p.ty {
                    Ty::String => quote!(rt::PathPart::Param(#wire, &self.#name)),
                    // A secret has no `Display`: its value goes on the wire as it is.
                    Ty::Secret => quote!(rt::PathPart::Param(#wire, self.#name.expose())),
                    _ => quote!(rt::PathPart::Param(#wire, &self.#name.to_string())),
                });
                has_params = true;
            }
            None => literal.push_str(&rest[start..start + len + 1]),
        }
        rest = &rest[start + len + 1..];
    }
    literal.push_str(rest);
    if has_params {
        if !literal.is_empty() {
            pieces.push(quote!(rt::PathPart::Text(#literal)));
        }
        quote!(rt::Request::with_path(&#operation_static, &[#(#pieces),*]))
    } else {
        quote!(rt::Request::new(&#operation_static, #literal.to_owned()))
    }
}

fn emit_send(cx: &Cx<'_>, op: &Operation, operation_static: &proc_macro2::Ident) -> TokenStream {
    let new_request = new_request(op, operation_static);
    let mut statements = Vec::new();
    for p in &op.params {
        let name = ident(&p.name);
        let wire = &p.wire;
        match p.location {
            ParamLocation::Path => {}
            ParamLocation::Query(style) => {
                let style = query_style(style);
                statements.push(quote!(request.query(#wire, &self.#name, #style);));
            }
            ParamLocation::Header => {
                let value = if is_display(cx, &p.ty) {
                    quote!(value)
                } else {
                    quote!(header_text(value))
                };
                if p.required {
                    statements
                        .push(quote!({ let value = &self.#name; request.header(#wire, #value); }));
                } else {
                    statements.push(
                        quote!(if let Some(value) = &self.#name { request.header(#wire, #value); }),
                    );
                }
            }
        }
    }
    if let Some(body) = &op.body {
        let set = match &body.media {
            Media::Json => quote!(request.json(&body);),
            Media::Form => quote!(request.form(&body);),
            Media::Text(ct) | Media::Bytes(ct) => quote!(request.raw(#ct, body);),
        };
        statements.push(if body.required {
            quote!({ let body = self.body; #set })
        } else {
            quote!(if let Some(body) = self.body { #set })
        });
    }
    let needs_header_text = op
        .params
        .iter()
        .any(|p| p.location == ParamLocation::Header && !is_display(cx, &p.ty));
    let header_text = if needs_header_text {
        quote! {
            fn header_text<T: serde::Serialize>(value: &T) -> String {
                match serde_json::to_value(value) {
                    Ok(serde_json::Value::String(s)) => s,
                    Ok(serde_json::Value::Array(items)) => items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect::<Vec<_>>().join(","),
                    Ok(other) => other.to_string(),
                    Err(_) => String::new(),
                }
            }
        }
    } else {
        quote!()
    };
    for (name, value) in &op.fixed_headers {
        statements.push(quote!(request.header(#name, #value);));
    }
    let arms = dispatch_arms(cx, op);
    let mutable = if statements.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    quote! {
        #header_text
        let #mutable request = #new_request;
        #(#statements)*
        let response = self.client.inner.execute(request).await?;
        match response.code() {
            #(#arms)*
        }
    }
}

fn status_pattern(status: StatusMatch) -> TokenStream {
    match status {
        StatusMatch::Code(n) => {
            let n = Literal::u16_unsuffixed(n);
            quote!(#n)
        }
        StatusMatch::Range(d) => {
            let low = Literal::u16_unsuffixed(d * 100);
            let high = Literal::u16_unsuffixed(d * 100 + 99);
            quote!(#low..=#high)
        }
        StatusMatch::Default => quote!(_),
    }
}

fn read(body: &ResponseBody) -> TokenStream {
    match body {
        ResponseBody::Empty => quote!(response.empty()),
        ResponseBody::Json(_) => quote!(response.json()),
        ResponseBody::Text => quote!(response.text()),
        ResponseBody::Bytes => quote!(response.bytes()),
    }
}

/// The `match response.code()` arms: documented successes, documented errors, the rest.
fn dispatch_arms(cx: &Cx<'_>, op: &Operation) -> Vec<TokenStream> {
    let mut arms = success_arms(cx, op);
    arms.extend(failure_arms(cx, op));
    arms
}

/// The arms reading documented successes.
fn success_arms(cx: &Cx<'_>, op: &Operation) -> Vec<TokenStream> {
    let mut arms = Vec::new();
    let success = &op.success;
    match &success.kind {
        OutcomeKind::Single(body) => {
            let read = read(body);
            let patterns: Vec<TokenStream> = match success.cases.as_slice() {
                // One documented success: any 2xx is read as it.
                [] | [_] => vec![quote!(200..=299)],
                cases => {
                    // One arm for all: a status its range (or `default`) covers adds nothing.
                    let statuses: Vec<StatusMatch> = cases.iter().map(|c| c.status).collect();
                    let covered = |s: &StatusMatch| match *s {
                        StatusMatch::Code(n) => statuses.iter().any(|o| {
                            *o == StatusMatch::Range(n / 100) || *o == StatusMatch::Default
                        }),
                        StatusMatch::Range(_) => statuses.contains(&StatusMatch::Default),
                        StatusMatch::Default => false,
                    };
                    let mut kept: Vec<StatusMatch> =
                        statuses.iter().copied().filter(|s| !covered(s)).collect();
                    kept.sort();
                    kept.dedup();
                    kept.into_iter().map(status_pattern).collect()
                }
            };
            arms.push(match (&op.success_headers, body) {
                (None, _) => quote!(#(#patterns)|* => #read,),
                (Some(_), body) => {
                    // The closure hides the body type from inference: name it.
                    let read = match body {
                        ResponseBody::Json(ty) => {
                            let ty = cx.ty(ty, true);
                            quote!(response.json::<#ty, _>())
                        }
                        _ => read,
                    };
                    quote!(#(#patterns)|* => {
                        let headers = response.typed_headers()?;
                        #read.map(|r| r.with_typed_headers(headers))
                    })
                }
            });
        }
        OutcomeKind::Enum(id) => {
            let name = ident(&cx.api.types[*id].name);
            // Exact statuses before ranges before `default`, so that none is unreachable.
            let mut cases: Vec<_> = success.cases.iter().collect();
            cases.sort_by_key(|c| c.status);
            for case in cases {
                let pattern = status_pattern(case.status);
                let variant = ident(&case.variant);
                let read = match &case.body {
                    // The variant's payload type does not tell `json` what to decode.
                    ResponseBody::Json(ty) => {
                        let ty = cx.ty(ty, true);
                        quote!(response.json::<#ty, _>())
                    }
                    other => read(other),
                };
                let wrap = match case.body {
                    ResponseBody::Empty => quote!(|()| types::#name::#variant),
                    _ => quote!(types::#name::#variant),
                };
                arms.push(match &op.success_headers {
                    None => quote!(#pattern => #read.map(|r| r.map(#wrap)),),
                    Some(_) => quote!(#pattern => {
                        let headers = response.typed_headers()?;
                        #read.map(|r| r.map(#wrap).with_typed_headers(headers))
                    }),
                });
            }
        }
    }
    arms
}

/// The arms of documented errors, then `_` (the `default` response's, or unexpected).
fn failure_arms(cx: &Cx<'_>, op: &Operation) -> Vec<TokenStream> {
    let mut arms = Vec::new();
    let failure = &op.failure;
    let mut sorted: Vec<_> = failure.cases.iter().collect();
    sorted.sort_by_key(|c| c.status);
    // Consecutive statuses with the same handler share one arm; `_` comes last.
    let mut grouped: Vec<(Vec<TokenStream>, String, TokenStream)> = Vec::new();
    let mut default = quote!(response.unexpected());
    for case in sorted {
        let typed = matches!(case.body, ResponseBody::Json(_));
        let handler = match (&failure.kind, typed) {
            (OutcomeKind::Single(ResponseBody::Json(_)), true) => {
                quote!(response.error(std::convert::identity))
            }
            (OutcomeKind::Enum(id), true) => {
                let name = ident(&cx.api.types[*id].name);
                let variant = ident(&case.variant);
                quote!(response.error(types::#name::#variant))
            }
            _ => quote!(response.unexpected()),
        };
        if case.status == StatusMatch::Default {
            default = handler;
            continue;
        }
        let key = handler.to_string();
        match grouped.last_mut() {
            Some((patterns, last, _)) if *last == key => patterns.push(status_pattern(case.status)),
            _ => grouped.push((vec![status_pattern(case.status)], key, handler)),
        }
    }
    let unexpected = quote!(response.unexpected()).to_string();
    for (patterns, key, handler) in grouped {
        // Statuses that only repeat what `_` does need no arm of their own.
        if key != unexpected || default.to_string() != unexpected {
            arms.push(quote!(#(#patterns)|* => #handler,));
        }
    }
    arms.push(quote!(_ => #default,));
    arms
}
