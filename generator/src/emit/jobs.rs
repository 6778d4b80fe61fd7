//! `impl rt::job::Job` for the success body of each job operation.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Cx, ident};
use crate::ir::{Access, JobSpec, Operation, StateLists, Step, Ty};

pub(super) fn emit_jobs(cx: &Cx<'_>) -> TokenStream {
    let impls = cx
        .api
        .operations
        .iter()
        .filter_map(|op| op.job.as_ref().map(|job| emit_job(cx, op, job)));
    quote!(#(#impls)*)
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
        ("f64", Ty::F64) => quote!(#e.copied()),
        ("f64", Ty::F32 | Ty::I32 | Ty::U32) => quote!(#e.map(|v| f64::from(*v))),
        ("f64", _) => quote!(#e.map(|v| *v as f64)),
        (_, Ty::U64) => quote!(#e.copied()),
        (_, Ty::U32) => quote!(#e.map(|v| u64::from(*v))),
        (_, Ty::I32 | Ty::I64) => quote!(#e.and_then(|v| u64::try_from(*v).ok())),
        (_, _) => quote!(#e.map(|v| *v as u64)),
    }
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
    let doc = format!(
        " The job read from the response of `{}`, as the spec's `x-cloudjobs-job` says.",
        op.id
    );
    quote! {
        static #states_static: rt::job::StateLists = #states;
        #extra_statics

        #[doc = #doc]
        impl rt::job::Job for types::#body {
            #(#methods)*
        }
    }
}
