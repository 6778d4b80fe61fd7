//! The types generated from the fixture specs (compiled into `cloudjobs_tests::fixtures` by
//! the build script) read and write JSON as the specs say.

use cloudjobs_tests::fixtures::{
    composition, enums, maps_arrays, names, nullable, params, responses,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Decodes `value` as `T`, encodes it again, and checks nothing was lost or added.
fn round_trip<T: DeserializeOwned + Serialize + std::fmt::Debug>(value: Value) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"));
    assert_eq!(serde_json::to_value(&typed).unwrap(), value, "{typed:?}");
    typed
}

#[test]
fn enums_keep_unknown_values() {
    let job: enums::Job =
        round_trip(json!({"status": "PAUSED", "phase": "queued", "order": "asc", "level": 2}));
    assert_eq!(job.status, enums::JobStatus::Unknown("PAUSED".into()));
    assert_eq!(job.status.as_str(), "PAUSED");
    assert_eq!(job.phase, Some(enums::JobPhase::Queued));
    assert_eq!(job.order, Some(enums::JobOrder::Asc2));
    assert_eq!(job.level, Some(2));
    let known: enums::Job = round_trip(json!({"status": "SUCCESS", "order": ""}));
    assert_eq!(known.status, enums::JobStatus::Success);
    assert_eq!(known.order, Some(enums::JobOrder::Empty));
    assert_eq!(known.status.to_string(), "SUCCESS");
}

#[test]
fn nullable_and_optional_fields() {
    let job: nullable::Job =
        round_trip(json!({"id": "j", "error_code": null, "tags": ["a", null]}));
    assert_eq!(job.error_code, None);
    assert_eq!(job.tags, Some(vec![Some("a".into()), None]));
    // A null optional field reads as absent (and is then left out when written).
    let job: nullable::Job =
        serde_json::from_value(json!({"id": "j", "error_code": "E", "fail_reason": null})).unwrap();
    assert_eq!(
        serde_json::to_value(&job).unwrap(),
        json!({"id": "j", "error_code": "E"})
    );
    // A required field that is missing is an error that names it.
    let err = serde_json::from_value::<nullable::Job>(json!({"error_code": null})).unwrap_err();
    assert!(err.to_string().contains("`id`"), "{err}");
}

#[test]
fn timestamps_keep_their_wire_form() {
    let job: nullable::Job = round_trip(
        json!({"id": "j", "error_code": null, "begin_time": 1641370501000_i64, "created": "2024-05-20T10:39:49.61Z"}),
    );
    assert!(job.begin_time.is_some() && job.created.is_some());
}

#[test]
fn all_of_merges_and_discriminators_choose() {
    let cat: composition::Cat = round_trip(json!({"id": "c", "kind": "cat", "lives": 9}));
    assert_eq!(cat.lives, Some(9));
    let pet: composition::Pet = round_trip(json!({"id": "d", "kind": "dog", "good": true}));
    assert!(
        matches!(pet, composition::Pet::Dog(ref d) if d.good == Some(true) && d.kind.as_deref() == Some("dog"))
    );
    let unknown: composition::Pet = round_trip(json!({"id": "h", "kind": "hamster"}));
    assert!(matches!(unknown, composition::Pet::Unknown(_)));
    let wrapped: composition::Wrapped = round_trip(json!({"id": "w"}));
    assert_eq!(wrapped.id, "w");
}

#[test]
fn any_of_tries_each_shape() {
    assert!(matches!(
        round_trip::<composition::IdOrName>(json!(7)),
        composition::IdOrName::Integer(7)
    ));
    assert!(matches!(
        round_trip::<composition::IdOrName>(json!("seven")),
        composition::IdOrName::String(_)
    ));
    assert!(matches!(
        round_trip::<composition::IdOrName>(json!({"first": "s"})),
        composition::IdOrName::Variant3(_)
    ));
}

#[test]
fn maps_arrays_and_recursion() {
    let job: maps_arrays::Job = round_trip(json!({
        "labels": {"team": "a"},
        "metrics": {"cpu": {"value": 0.5, "ratio": 0.25}},
        "sub_jobs": [{"id": "s", "counts": [1, 2]}],
        "anything": [1, "x"],
        "free_form": {"k": {"nested": true}},
        "extra": {"known": "k", "unknown": 1}
    }));
    assert_eq!(job.labels.unwrap()["team"], "a");
    assert_eq!(
        job.extra.unwrap().additional_properties["unknown"],
        json!(1)
    );
    let tree: maps_arrays::Tree = round_trip(
        json!({"name": "leaf", "parent": {"name": "root"}, "children": [{"name": "c"}]}),
    );
    assert_eq!(tree.parent.unwrap().name.as_deref(), Some("root"));
    let forest: maps_arrays::Forest = round_trip(json!([[], [[]]]));
    assert_eq!(forest.0.len(), 2);
}

#[test]
fn keywords_and_collisions_keep_wire_names() {
    let s: names::String2 = round_trip(
        json!({"type": "t", "fooBar": "a", "foo_bar": "b", "$ref": "r", "@odata.type": "o", "200": "ok", "self": "me"}),
    );
    assert_eq!(s.r#type.as_deref(), Some("t"));
    assert_eq!(
        (s.foo_bar.as_deref(), s.foo_bar2.as_deref()),
        (Some("a"), Some("b"))
    );
    assert_eq!(s.self_.as_deref(), Some("me"));
    assert_eq!(s.n200.as_deref(), Some("ok"));
}

#[test]
fn request_bodies_serialize_as_the_spec_says() {
    let body = params::types::CreateJobBody { name: "n".into() };
    assert_eq!(serde_json::to_value(&body).unwrap(), json!({"name": "n"}));
    let err = responses::types::Error {
        error_code: Some("E".into()),
        error_msg: None,
    };
    assert_eq!(
        serde_json::to_value(&err).unwrap(),
        json!({"error_code": "E"})
    );
}

#[test]
fn inline_variants_are_chosen_by_their_one_value_tag() {
    let circle: composition::Shape = round_trip(json!({"kind": "circle", "radius": 2.0}));
    assert!(matches!(circle, composition::Shape::Circle(ref c) if c.radius == Some(2.0)));
    let square: composition::Shape = round_trip(json!({"kind": "square", "side": 1.0}));
    assert!(matches!(square, composition::Shape::Square(_)));
    let other: composition::Shape = round_trip(json!({"kind": "hexagon"}));
    assert!(matches!(other, composition::Shape::Unknown(_)));
    let loose: composition::Loose = round_trip(json!({"b": 3}));
    assert!(matches!(loose, composition::Loose::Variant2(ref v) if v.b == 3));
}
