//! Sub-jobs with the structure of the job: a field of the success response that the page
//! gives no table of (an `Object` pointing back to the response table, an `Array of
//! objects` "similar to the parent job") while its example elements carry the body's own
//! fields. The draft gives its elements the body's schema, and the job proposal sees the
//! body's fields in them (so the sub-tasks are found).

use std::collections::BTreeSet;

use serde_json::Value;

use super::build::{objects_in, values_of};
use crate::model::{DocModel, DocType, Field};

/// The model with such fields filled with the body's fields, for the schema (types as the
/// page says) and for the job proposal (an array where the examples send one), and the
/// places of the fields (`response 200 spec.subJobs`).
pub fn fill(
    model: &DocModel,
    success: &str,
    bodies: &[Value],
) -> (DocModel, DocModel, BTreeSet<String>) {
    let mut places = BTreeSet::new();
    let (mut build, mut job) = (model.clone(), model.clone());
    let Some(index) = model.responses.iter().position(|r| r.status == success) else {
        return (build, job, places);
    };
    let root = &model.responses[index].fields;
    let names: BTreeSet<&str> = root.iter().map(|f| f.name.as_str()).collect();
    let instances: Vec<&Value> = bodies.iter().collect();
    let mut found = Vec::new();
    find(root, &instances, &names, "", &mut found);
    for (path, array) in found {
        places.insert(format!("response {success} {}", path.join(".")));
        for (m, job_side) in [(&mut build, false), (&mut job, true)] {
            let fields = &mut m.responses[index].fields;
            if let Some(f) = at_path(fields, &path) {
                f.children = root.to_vec();
                if job_side && array && !matches!(DocType::parse(&f.type_text), DocType::Array(_)) {
                    f.type_text = "Array of objects".into();
                }
            }
        }
    }
    (build, job, places)
}

fn at_path<'f>(fields: &'f mut [Field], path: &[String]) -> Option<&'f mut Field> {
    let (first, rest) = path.split_first()?;
    let f = fields.iter_mut().find(|f| f.name == *first)?;
    if rest.is_empty() {
        Some(f)
    } else {
        at_path(&mut f.children, rest)
    }
}

/// Whether a field without a table stands for the body: its description says so, or the
/// elements its examples send have mostly the body's field names. Also whether it is a list.
fn stands_for_body(f: &Field, values: &[&Value], names: &BTreeSet<&str>) -> Option<bool> {
    let objectish = match DocType::parse(&f.type_text) {
        DocType::Object | DocType::Unknown(_) => true,
        DocType::Array(inner) => matches!(inner.as_deref(), None | Some(DocType::Object)),
        _ => false,
    };
    if !f.children.is_empty() || !objectish {
        return None;
    }
    let array = matches!(DocType::parse(&f.type_text), DocType::Array(_))
        || values.iter().any(|v| v.is_array());
    let d = f.description.to_ascii_lowercase();
    let said = d.contains("parent") && (d.contains("similar") || d.contains("same"));
    let elements = objects_in(values);
    let keys: BTreeSet<&str> = elements
        .iter()
        .filter_map(|e| e.as_object())
        .flat_map(|o| o.keys().map(String::as_str))
        .collect();
    let shared = keys.iter().filter(|k| names.contains(*k)).count();
    let shown = shared >= 3 && shared * 2 >= keys.len();
    (said || shown).then_some(array)
}

fn find(
    fields: &[Field],
    instances: &[&Value],
    names: &BTreeSet<&str>,
    prefix: &str,
    out: &mut Vec<(Vec<String>, bool)>,
) {
    for f in fields {
        let values = values_of(instances, &f.name);
        let path = if prefix.is_empty() {
            f.name.clone()
        } else {
            format!("{prefix}.{}", f.name)
        };
        if let Some(array) = stands_for_body(f, &values, names) {
            out.push((path.split('.').map(str::to_owned).collect(), array));
        } else if prefix.matches('.').count() < 4 {
            let objects = objects_in(&values);
            find(&f.children, &objects, names, &path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Response;
    use serde_json::json;

    fn field(name: &str, t: &str, description: &str, children: Vec<Field>) -> Field {
        Field {
            name: name.into(),
            type_text: t.into(),
            description: description.into(),
            children,
            ..Field::default()
        }
    }

    fn model(fields: Vec<Field>) -> DocModel {
        DocModel {
            responses: vec![Response {
                status: "200".into(),
                fields,
                ..Response::default()
            }],
            ..DocModel::default()
        }
    }

    #[test]
    fn a_list_of_jobs_inside_the_job_gets_the_job_fields() {
        let m = model(vec![
            field("state", "String", "", vec![]),
            field("job_id", "String", "", vec![]),
            field("kind", "String", "", vec![]),
            field(
                "detail",
                "Object",
                "",
                vec![field("children", "Object", "More jobs.", vec![])],
            ),
        ]);
        let body = json!({"state": "DONE", "detail": {"children": [
            {"state": "DONE", "job_id": "a", "kind": "k"}
        ]}});
        let (build, job, places) = fill(&m, "200", &[body]);
        assert_eq!(
            places.into_iter().collect::<Vec<_>>(),
            ["response 200 detail.children"]
        );
        let b = &build.responses[0].fields[3].children[0];
        assert_eq!((b.type_text.as_str(), b.children.len()), ("Object", 4));
        let j = &job.responses[0].fields[3].children[0];
        assert_eq!(j.type_text, "Array of objects");
    }

    #[test]
    fn a_description_alone_can_say_it_and_other_fields_stay() {
        let m = model(vec![
            field("status", "String", "", vec![]),
            field(
                "subs",
                "Array of objects",
                "Each one is similar to the parent job.",
                vec![],
            ),
            field("extra", "Object", "Something else.", vec![]),
        ]);
        let (_, job, places) = fill(&m, "200", &[json!({"extra": {"a": 1}})]);
        assert_eq!(places.len(), 1);
        assert_eq!(job.responses[0].fields[1].children.len(), 3);
        assert!(job.responses[0].fields[2].children.is_empty());
    }
}
