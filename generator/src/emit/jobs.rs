//! `impl rt::job::Job` for the success body of each job operation.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Cx, docs, ident};
use crate::ir::{
    Access, Confirm, JobSpec, Operation, Param, ParamLocation, StateLists, Step, SubtaskSpec, Ty,
};

pub(super) fn emit_jobs(cx: &Cx<'_>) -> TokenStream {
    let impls = cx
        .api
        .operations
        .iter()
        .filter_map(|op| op.job.as_ref().map(|job| emit_job(cx, op, job)));
    let services = emit_job_services(cx);
    quote!(#(#impls)* #services)
}

/// The registry entries of this API: `JOB_SERVICES`, one per job operation, each with the
/// function that polls it through the typed client.
fn emit_job_services(cx: &Cx<'_>) -> TokenStream {
    let entries = cx.api.job_services();
    if entries.is_empty() {
        return quote!();
    }
    let count = proc_macro2::Literal::usize_unsuffixed(entries.len());
    let title = &cx.api.title;
    let module = &cx.api.module;
    let mut statics = Vec::new();
    let mut polls = Vec::new();
    for entry in &entries {
        let (op, job) = (entry.op, entry.job);
        let base = op
            .builder_name
            .trim_start_matches("r#")
            .to_shouty_snake_case();
        let states_static = format_ident!("{base}_JOB_STATES");
        let poll = format_ident!("poll_{}", op.method_name.trim_start_matches("r#"));
        let name = &entry.name;
        let aliases = &entry.aliases;
        let (id, method, path) = (&op.id, &op.http_method, &op.path);
        let job_id_param = &job.job_id_param;
        let project_param = match &job.project_param {
            Some(p) => quote!(Some(#p)),
            None => quote!(None),
        };
        let params = entry.extra_params().map(|p| {
            let wire = &p.wire;
            let place = match p.location {
                ParamLocation::Path => quote!(Path),
                ParamLocation::Query(_) => quote!(Query),
                ParamLocation::Header => quote!(Header),
            };
            let kind = match param_kind(cx, &p.ty) {
                "integer" => quote!(Integer),
                "number" => quote!(Number),
                "boolean" => quote!(Boolean),
                _ => quote!(Text),
            };
            let required = p.required;
            let summary =
                first_sentence(p.docs.description.as_deref().or(p.docs.summary.as_deref()));
            quote! {
                rt::any_service::JobParam {
                    name: #wire,
                    place: rt::any_service::ParamPlace::#place,
                    kind: rt::any_service::ParamKind::#kind,
                    required: #required,
                    summary: #summary,
                }
            }
        });
        statics.push(quote! {
            rt::any_service::JobService {
                name: #name,
                aliases: &[#(#aliases),*],
                title: #title,
                module: #module,
                service: &SERVICE,
                operation: #id,
                method: #method,
                path: #path,
                job_id_param: #job_id_param,
                project_param: #project_param,
                params: &[#(#params),*],
                states: &#states_static,
                poll: #poll,
            }
        });
        polls.push(emit_poll(cx, op, job, &poll));
    }
    let doc = " The job services of this API, one per job operation: the entries of the crate's job registry.";
    quote! {
        #[doc = #doc]
        pub static JOB_SERVICES: [rt::any_service::JobService; #count] = [#(#statics),*];
        #(#polls)*
    }
}

/// The function behind a registry entry: the typed call with the parameters taken from a
/// `JobQuery`, its job erased to `AnyJob` and its typed error body turned into JSON.
fn emit_poll(cx: &Cx<'_>, op: &Operation, job: &JobSpec, poll: &proc_macro2::Ident) -> TokenStream {
    let method = ident(&op.method_name);
    let id = &op.id;
    let value = |p: &Param| -> TokenStream {
        let wire = &p.wire;
        if Some(&p.wire) == job.project_param.as_ref() {
            quote!(query.project_id())
        } else if p.wire == job.job_id_param {
            quote!(query.job_id())
        } else if p.ty == Ty::String {
            quote!(query.required_text(#id, #wire)?)
        } else {
            let ty = cx.ty(&p.ty, true);
            quote!(query.required_value::<#ty>(#id, #wire)?)
        }
    };
    let args = op.params.iter().filter(|p| p.required).map(value);
    let setters = op.params.iter().filter(|p| !p.required).map(|p| {
        let setter = ident(&p.name);
        let wire = &p.wire;
        // An optional id parameter (GeminiDB's `?id=` filter) is still the id.
        if Some(&p.wire) == job.project_param.as_ref() {
            return quote!(request = request.#setter(query.project_id()););
        }
        if p.wire == job.job_id_param {
            return quote!(request = request.#setter(query.job_id()););
        }
        let ty = if p.ty == Ty::String {
            quote!(String)
        } else {
            cx.ty(&p.ty, true)
        };
        quote! {
            if let Some(value) = query.optional_value::<#ty>(#id, #wire)? {
                request = request.#setter(value);
            }
        }
    });
    let doc = docs::doc_line(&format!(
        "Reads one job with {}, for the registry.",
        docs::code(id)
    ));
    let untyped = match op.success_headers {
        Some(_) => quote!(response.without_typed_headers()),
        None => quote!(response),
    };
    quote! {
        #[doc = #doc]
        fn #poll<'a>(
            inner: &'a rt::ServiceClient,
            query: &'a rt::any_service::JobQuery,
        ) -> rt::BoxFuture<'a, rt::any_service::PollResult> {
            Box::pin(async move {
                let client = Client::from_service_client(inner.clone());
                #[allow(unused_mut)]
                let mut request = client.#method(#(#args),*);
                #(#setters)*
                request
                    .send()
                    .await
                    .map(|response| #untyped.map(rt::any_service::AnyJob::new))
                    .map_err(rt::any_service::json_error)
            })
        }
    }
}

/// How a parameter's value is written as text.
fn param_kind(cx: &Cx<'_>, ty: &Ty) -> &'static str {
    match ty {
        Ty::I32 | Ty::I64 | Ty::U32 | Ty::U64 => "integer",
        Ty::F32 | Ty::F64 => "number",
        Ty::Bool => "boolean",
        Ty::Named(id) => match &cx.api.types[*id].kind {
            crate::ir::TypeKind::Alias(inner) => param_kind(cx, inner),
            _ => "text",
        },
        _ => "text",
    }
}

/// The first sentence (or line) of a description, for one-line help.
fn first_sentence(text: Option<&str>) -> String {
    let text = text.unwrap_or_default().trim();
    let line = text.lines().next().unwrap_or_default().trim();
    match line.find(". ") {
        Some(end) => line[..=end].to_owned(),
        None => line.to_owned(),
    }
}

fn lists(states: &StateLists) -> TokenStream {
    let StateLists {
        pending,
        running,
        succeeded,
        failed,
    } = states;
    quote! {
        rt::job::StateLists {
            pending: &[#(#pending),*],
            running: &[#(#running),*],
            succeeded: &[#(#succeeded),*],
            failed: &[#(#failed),*],
        }
    }
}

/// An expression of type `Option<&Leaf>` (or an iterator of `&Leaf` when the access steps
/// into arrays) starting from `start` (`self` or an item).
fn chain(start: TokenStream, access: &Access) -> (TokenStream, bool) {
    let mut iter = false;
    let mut expr: Option<TokenStream> = None;
    for step in &access.steps {
        expr = Some(match (step, expr.take()) {
            (
                Step::Field {
                    name,
                    optional: true,
                },
                None,
            ) => {
                let name = ident(name);
                quote!(#start.#name.as_ref())
            }
            (
                Step::Field {
                    name,
                    optional: false,
                },
                None,
            ) => {
                let name = ident(name);
                quote!(Some(&#start.#name))
            }
            (
                Step::Field {
                    name,
                    optional: true,
                },
                Some(e),
            ) => {
                let name = ident(name);
                if iter {
                    quote!(#e.filter_map(|v| v.#name.as_ref()))
                } else {
                    quote!(#e.and_then(|v| v.#name.as_ref()))
                }
            }
            (
                Step::Field {
                    name,
                    optional: false,
                },
                Some(e),
            ) => {
                let name = ident(name);
                quote!(#e.map(|v| &v.#name))
            }
            (
                Step::Index {
                    index,
                    optional_items,
                },
                e,
            ) => {
                // `first()` for element 0: what clippy asks of hand-written code.
                let element = if *index == 0 {
                    quote!(first())
                } else {
                    let index = proc_macro2::Literal::usize_unsuffixed(*index);
                    quote!(get(#index))
                };
                let e = match e {
                    None => quote!(#start.#element),
                    Some(e) if iter => quote!(#e.filter_map(|v| v.#element)),
                    Some(e) => quote!(#e.and_then(|v| v.#element)),
                };
                match (*optional_items, iter) {
                    (false, _) => e,
                    (true, true) => quote!(#e.filter_map(|v| v.as_ref())),
                    (true, false) => quote!(#e.and_then(|v| v.as_ref())),
                }
            }
            (Step::Each { optional_items }, e) => {
                let e = match e {
                    None => quote!(#start.iter()),
                    Some(e) if iter => quote!(#e.flat_map(|v| v.iter())),
                    Some(e) => quote!(#e.into_iter().flat_map(|v| v.iter())),
                };
                iter = true;
                if *optional_items {
                    quote!(#e.filter_map(|v| v.as_ref()))
                } else {
                    e
                }
            }
        });
    }
    (expr.unwrap_or_else(|| quote!(Some(#start))), iter)
}

/// `Option<&str>` from a string or string-enum leaf.
fn text(start: TokenStream, access: &Access) -> TokenStream {
    let (e, _) = chain(start, access);
    match access.leaf {
        Ty::String => quote!(#e.map(String::as_str)),
        _ => quote!(#e.map(|v| v.as_str())),
    }
}

/// `Option<String>` from any scalar leaf.
fn owned(start: TokenStream, access: &Access) -> TokenStream {
    let (e, _) = chain(start, access);
    quote!(#e.map(ToString::to_string))
}

fn number(start: TokenStream, access: &Access, to: &str) -> TokenStream {
    let (e, _) = chain(start, access);
    match (to, &access.leaf) {
        ("f64", Ty::String) => quote!(#e.and_then(|v| rt::job::parse_percent(v))),
        ("f64", Ty::F64) => quote!(#e.copied()),
        ("f64", Ty::F32 | Ty::I32 | Ty::U32) => quote!(#e.map(|v| f64::from(*v))),
        ("f64", _) => quote!(#e.map(|v| *v as f64)),
        (_, Ty::U64) => quote!(#e.copied()),
        (_, Ty::U32) => quote!(#e.map(|v| u64::from(*v))),
        (_, Ty::I32 | Ty::I64) => quote!(#e.and_then(|v| u64::try_from(*v).ok())),
        (_, _) => quote!(#e.map(|v| *v as u64)),
    }
}

/// The `subtasks` (and `subtask_total`) methods of a job with sub-tasks.
fn subtask_methods(s: &SubtaskSpec, sub_static: &proc_macro2::Ident) -> Vec<TokenStream> {
    let me = quote!(self);
    let mut methods = Vec::new();
    let (items, iter) = chain(me.clone(), &s.items);
    let items = if iter {
        quote!(#items.flat_map(|v| v.iter()))
    } else {
        quote!(#items.into_iter().flat_map(|v| v.iter()))
    };
    let item = quote!(item);
    let id =
        s.id.as_ref()
            .map_or(quote!(None), |a| owned(item.clone(), a));
    let name = s
        .name
        .as_ref()
        .map_or(quote!(None), |a| owned(item.clone(), a));
    let status = text(item.clone(), &s.status);
    let code = s
        .error_code
        .as_ref()
        .map_or(quote!(None), |a| owned(item.clone(), a));
    let reason = s
        .error_reason
        .as_ref()
        .map_or(quote!(None), |a| owned(item.clone(), a));
    methods.push(quote! {
        fn subtasks(&self) -> Vec<rt::job::SubTask> {
            #items
                .map(|item| {
                    let code: Option<String> = #code;
                    let reason: Option<String> = #reason;
                    rt::job::SubTask::new(&#sub_static, #id, #name, #status, code.as_deref(), reason.as_deref())
                })
                .collect()
        }
    });
    if let Some(a) = &s.total {
        let e = number(me.clone(), a, "u64");
        methods.push(quote!(fn subtask_total(&self) -> Option<u64> { #e }));
    }
    methods
}

fn emit_job(cx: &Cx<'_>, op: &Operation, job: &JobSpec) -> TokenStream {
    let body = ident(&cx.api.types[job.body].name);
    let base = op
        .builder_name
        .trim_start_matches("r#")
        .to_shouty_snake_case();
    let states_static = format_ident!("{base}_JOB_STATES");
    let states = lists(&job.states);
    let me = quote!(self);
    let status = text(me.clone(), &job.status);
    let mut methods = vec![
        quote! {
            fn state_lists(&self) -> &'static rt::job::StateLists {
                &#states_static
            }
        },
        quote! {
            fn status(&self) -> Option<&str> {
                #status
            }
        },
    ];
    if let Some(a) = &job.id {
        let e = owned(me.clone(), a);
        methods.push(quote!(fn job_id(&self) -> Option<String> { #e }));
    }
    if let Some(a) = &job.progress {
        let e = number(me.clone(), a, "f64");
        methods.push(quote!(fn percent(&self) -> Option<f64> { #e }));
    }
    if let Some(a) = &job.error_code {
        let e = owned(me.clone(), a);
        methods.push(quote!(fn error_code(&self) -> Option<String> { #e }));
    }
    if let Some(a) = &job.error_reason {
        let e = owned(me.clone(), a);
        methods.push(quote!(fn error_reason(&self) -> Option<String> { #e }));
    }
    let mut extra_statics = quote!();
    if let Some(s) = &job.subtasks {
        let sub_static = format_ident!("{base}_SUBTASK_STATES");
        let sub_states = lists(&s.states);
        extra_statics = quote! {
            static #sub_static: rt::job::StateLists = #sub_states;
        };
        methods.extend(subtask_methods(s, &sub_static));
    }
    if !job.resources.is_empty() {
        // `extend` takes the `Option` of a plain pointer and the iterator of a `*` one alike.
        let pushes = job.resources.iter().map(|a| {
            let (e, _) = chain(me.clone(), a);
            quote!(ids.extend(#e.map(ToString::to_string));)
        });
        methods.push(quote! {
            fn resource_ids(&self) -> Vec<String> {
                let mut ids = Vec::new();
                #(#pushes)*
                ids.retain(|id| !id.is_empty());
                ids
            }
        });
    }
    match job.confirm {
        Confirm::Once => {}
        Confirm::Reads(n) => {
            let n = proc_macro2::Literal::u32_unsuffixed(n);
            methods.push(quote! {
                fn confirm(&self) -> rt::job::Confirm {
                    rt::job::Confirm::Reads(#n)
                }
            });
        }
        Confirm::SubtasksTerminal => methods.push(quote! {
            fn confirm(&self) -> rt::job::Confirm {
                rt::job::Confirm::SubtasksTerminal
            }
        }),
    }
    let doc = docs::doc_line(&format!(
        "The job read from the response of {}, as the spec's `x-cloudjobs-job` says.",
        docs::code(&op.id)
    ));
    quote! {
        static #states_static: rt::job::StateLists = #states;
        #extra_statics

        #[doc = #doc]
        impl rt::job::Job for types::#body {
            #(#methods)*
        }
    }
}
