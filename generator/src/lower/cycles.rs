//! Recursive schemas made representable in Rust.
//!
//! - A schema that requires itself (through required, non-nullable properties or aliases)
//!   has no finite value: that is an [`ErrorKind::Recursive`] error.
//! - A named alias that refers to itself (`Tree = Vec<Tree>`) becomes a transparent newtype.
//! - A struct or union that contains itself by value gets a `Box` on each edge of the cycle.

use crate::error::{Error, ErrorKind, Warning};
use crate::ir::{Ty, TypeDef, TypeId, TypeKind};

pub(super) fn make_representable(
    types: &mut [TypeDef],
    file: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(), Error> {
    refuse_unsatisfiable(types, file)?;
    newtype_recursive_aliases(types, warnings);
    box_by_value_cycles(types);
    Ok(())
}

/// Named types a type mentions at any depth.
fn mentions(ty: &Ty, out: &mut Vec<TypeId>) {
    match ty {
        Ty::Named(id) => out.push(*id),
        Ty::Vec(t) | Ty::Map(t) | Ty::Option(t) | Ty::Boxed(t) => mentions(t, out),
        _ => {}
    }
}

/// Named types a value of `ty` contains inline (no heap indirection in between).
fn by_value(ty: &Ty, out: &mut Vec<TypeId>) {
    match ty {
        Ty::Named(id) => out.push(*id),
        Ty::Option(t) => by_value(t, out),
        _ => {}
    }
}

fn refuse_unsatisfiable(types: &[TypeDef], file: &str) -> Result<(), Error> {
    // Edges a value must follow: required non-nullable fields and aliases, no `Option`.
    let edges: Vec<Vec<(TypeId, String)>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .filter(|f| f.required && !f.nullable)
                .filter_map(|f| match &f.ty {
                    Ty::Named(id) => Some((*id, f.wire.clone())),
                    _ => None,
                })
                .collect(),
            TypeKind::Alias(Ty::Named(id)) | TypeKind::Newtype(Ty::Named(id)) => {
                vec![(*id, String::new())]
            }
            _ => Vec::new(),
        })
        .collect();
    // Colour-marking DFS; report the first cycle found, starting from the lowest type id.
    let mut state = vec![0u8; types.len()];
    let mut stack: Vec<(TypeId, String)> = Vec::new();
    fn visit(
        n: TypeId,
        edges: &[Vec<(TypeId, String)>],
        state: &mut [u8],
        stack: &mut Vec<(TypeId, String)>,
    ) -> Option<Vec<(TypeId, String)>> {
        state[n] = 1;
        for (m, via) in &edges[n] {
            stack.push((n, via.clone()));
            if state[*m] == 1 {
                let start = stack.iter().position(|(k, _)| k == m).unwrap_or(0);
                return Some(stack[start..].to_vec());
            }
            if state[*m] == 0
                && let Some(cycle) = visit(*m, edges, state, stack)
            {
                return Some(cycle);
            }
            stack.pop();
        }
        state[n] = 2;
        None
    }
    for n in 0..types.len() {
        if state[n] == 0
            && let Some(cycle) = visit(n, &edges, &mut state, &mut stack)
        {
            let (first, _) = cycle[0];
            let path: Vec<String> = cycle
                .iter()
                .map(|(id, via)| {
                    if via.is_empty() {
                        types[*id].name.clone()
                    } else {
                        format!("{}.{via}", types[*id].name)
                    }
                })
                .collect();
            return Err(Error::new(
                ErrorKind::Recursive,
                file,
                &types[first].pointer,
                format!(
                    "recursive type without indirection: `{}` requires itself ({} -> {}), so no finite JSON value satisfies it; make one of these properties optional or nullable, or put it in an array",
                    types[first].name,
                    path.join(" -> "),
                    types[first].name
                ),
            ));
        }
    }
    Ok(())
}

fn newtype_recursive_aliases(types: &mut [TypeDef], warnings: &mut Vec<Warning>) {
    let is_alias = |t: &TypeDef| matches!(t.kind, TypeKind::Alias(_));
    let edges: Vec<Vec<TypeId>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Alias(ty) => {
                let mut out = Vec::new();
                mentions(ty, &mut out);
                out.retain(|id| is_alias(&types[*id]));
                out
            }
            _ => Vec::new(),
        })
        .collect();
    for component in strongly_connected(&edges) {
        let cyclic = component.len() > 1 || edges[component[0]].contains(&component[0]);
        if !cyclic {
            continue;
        }
        for id in component {
            if let TypeKind::Alias(ty) = &types[id].kind {
                let ty = ty.clone();
                warnings.push(Warning {
                    pointer: types[id].pointer.clone(),
                    message: format!(
                        "`{}` refers to itself, so it is a newtype rather than a type alias",
                        types[id].name
                    ),
                });
                types[id].kind = TypeKind::Newtype(ty);
            }
        }
    }
}

fn by_value_edges(kind: &TypeKind) -> Vec<TypeId> {
    let mut out = Vec::new();
    match kind {
        TypeKind::Struct(s) => s.fields.iter().for_each(|f| by_value(&f.ty, &mut out)),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| by_value(&v.ty, &mut out)),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => by_value(t, &mut out),
        TypeKind::Responses(r) => r.variants.iter().for_each(|(_, body, _)| {
            if let crate::ir::ResponseBody::Json(t) = body {
                by_value(t, &mut out)
            }
        }),
        TypeKind::Enum(_) => {}
    }
    out
}

fn box_by_value_cycles(types: &mut [TypeDef]) {
    let edges: Vec<Vec<TypeId>> = types.iter().map(|t| by_value_edges(&t.kind)).collect();
    let mut component_of = vec![usize::MAX; types.len()];
    for (c, members) in strongly_connected(&edges).into_iter().enumerate() {
        for m in members {
            component_of[m] = c;
        }
    }
    for id in 0..types.len() {
        let mine = component_of[id];
        let in_cycle = |ty: &Ty| {
            let mut out = Vec::new();
            by_value(ty, &mut out);
            out.iter().any(|t| component_of[*t] == mine)
        };
        match &mut types[id].kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    if in_cycle(&f.ty) {
                        f.ty = boxed(std::mem::replace(&mut f.ty, Ty::Json));
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if in_cycle(&v.ty) {
                        v.ty = boxed(std::mem::replace(&mut v.ty, Ty::Json));
                    }
                }
            }
            TypeKind::Newtype(t) if in_cycle(t) => {
                *t = boxed(std::mem::replace(t, Ty::Json));
            }
            _ => {}
        }
    }
}

fn boxed(ty: Ty) -> Ty {
    match ty {
        Ty::Option(inner) => Ty::Option(Box::new(boxed(*inner))),
        named @ Ty::Named(_) => Ty::Boxed(Box::new(named)),
        other => other,
    }
}

/// Tarjan's strongly connected components, iterative, in a deterministic order.
fn strongly_connected(edges: &[Vec<TypeId>]) -> Vec<Vec<TypeId>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(TypeId, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                out.push(component);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components() {
        let edges = vec![vec![1], vec![0, 2], vec![], vec![3]];
        let mut c = strongly_connected(&edges);
        c.sort();
        assert_eq!(c, vec![vec![0, 1], vec![2], vec![3]]);
    }
}
