//! The README's Rust examples are the examples under `generated/examples/` (which `cargo test`
//! builds), word for word: the first is `scenario.rs`, and every one is one of them. Its
//! `cargo xtask diff` example is the output of a real run over today's specs.

/// The body of an example file, as the README shows it (without its `//!` header).
fn example_body(text: &str) -> String {
    text.lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn readme_examples_are_built_examples() {
    let root = cloudjobs_tests::paths::project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut examples = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(root.join("generated/examples")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        examples.insert(name, example_body(&std::fs::read_to_string(&path).unwrap()));
    }
    let fence = "```rust,no_run\n";
    let blocks: Vec<&str> = readme
        .match_indices(fence)
        .map(|(at, _)| {
            let start = at + fence.len();
            &readme[start..start + readme[start..].find("```").unwrap()]
        })
        .collect();
    assert!(
        blocks.len() >= 3,
        "the README's Rust examples: {}",
        blocks.len()
    );
    assert_eq!(
        blocks[0], examples["scenario.rs"],
        "README.md and generated/examples/scenario.rs differ"
    );
    for block in blocks {
        assert!(
            examples.values().any(|body| body == block),
            "a README example is none of generated/examples/*.rs:\n{block}"
        );
    }
}

/// The block `cargo xtask regen` writes (`xtask::readme`) is what the diff prints today: a
/// new spec, or other wording of a change, fails here until `regen` has run.
#[test]
fn readme_diff_example_is_current() {
    let root = cloudjobs_tests::paths::project_root();
    let stale = xtask::readme::updated(&root).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stale.is_none(),
        "README.md's `cargo xtask diff` example is stale: run `cargo xtask regen`"
    );
}
