//! The README's example is `generated/examples/scenario.rs` (which `cargo test` builds), word
//! for word.

#[test]
fn readme_example_is_the_built_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("generated/examples/scenario.rs")).unwrap();
    let start = readme
        .find("```rust,no_run\n")
        .expect("the README has a Rust example")
        + "```rust,no_run\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let body: String = example
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        readme[start..end],
        body,
        "README.md and generated/examples/scenario.rs differ"
    );
}
