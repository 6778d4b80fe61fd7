//! The README's Rust examples are the examples under `generated/examples/` (which `cargo test`
//! builds), word for word: the first is `scenario.rs`, and every one is one of them. Its
//! table of the APIs and its `cargo xtask diff` example are made from today's specs.

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

/// The blocks `cargo xtask regen` writes (`xtask::readme`: the table of the APIs, and what
/// the diff prints today) are current: a new spec, or other wording of a change, fails here
/// until `regen` has run.
#[test]
fn readme_blocks_are_current() {
    let root = cloudjobs_tests::paths::project_root();
    let stale = xtask::readme::updated(&root).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stale.is_none(),
        "README.md's table of the APIs or `cargo xtask diff` example is stale: run `cargo xtask regen`"
    );
}

/// The "Changing a spec" walk-through is a recorded run of `docs pull` and `docs check` on the
/// IMS page (it needs the page's history, so it is not made again here). What in it comes
/// from the spec must still be the spec's: the sha256 the page has now is the one the spec
/// records, and the deviations the runs list as accepted are the spec's `accepted` entries,
/// with their reasons, word for word.
#[test]
fn readme_docs_walk_through_agrees_with_the_spec() {
    let root = cloudjobs_tests::paths::project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("## Changing a spec")
        .expect("a \"Changing a spec\" section");
    let end = start + readme[start..].find("\n## ").unwrap();
    let section = &readme[start..end];
    let doc = cloudjobs_codegen::load::load_file(
        &root.join("specs/otc-ims-jobs.yaml"),
        "specs/otc-ims-jobs.yaml",
    )
    .unwrap();
    let sources = cloudjobs_codegen::extensions::sources::load(&doc.raw).unwrap();
    let primary = &sources[0];
    assert!(
        section.contains(&format!("changed    sha256 {}", &primary.sha256[..12])),
        "README.md's docs pull run shows another sha256 than the spec records ({})",
        &primary.sha256[..12]
    );
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut expected: Vec<String> = (primary.accepted.iter())
        .map(|a| {
            let kind = a
                .kind
                .as_deref()
                .map(|k| format!(" [{k}]"))
                .unwrap_or_default();
            words(&format!("accepted {}{kind}: {}", a.at, a.reason))
        })
        .collect();
    expected.sort();
    let blocks: Vec<Vec<String>> = section
        .split("```text\n")
        .skip(1)
        .map(|b| {
            let block = &b[..b.find("```").unwrap()];
            (block.lines())
                .map(words)
                .filter(|l| l.starts_with("accepted "))
                .collect()
        })
        .collect();
    assert_eq!(blocks.len(), 2, "the pull run and the check run");
    // Findings come in document order, entries in the spec's.
    for mut shown in blocks {
        shown.sort();
        assert_eq!(
            shown, expected,
            "README.md's docs runs list other accepted deviations than specs/otc-ims-jobs.yaml"
        );
    }
}
