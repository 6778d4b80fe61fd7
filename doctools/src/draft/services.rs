//! The known service hosts of `doctools/services.toml`: a draft's servers.

use serde::Deserialize;

use super::yaml::{MapBuilder, Node};

const TABLE: &str = include_str!("../../services.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    huawei: HuaweiDefaults,
    service: Vec<Service>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct HuaweiDefaults {
    regions: Vec<String>,
}

/// One service of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The x-cloudjobs-service name.
    pub name: String,
    /// For the spec's title.
    pub title: String,
    /// Further names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// opentelekomcloud-docs repositories.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// Host prefix on Open Telekom Cloud.
    #[serde(default)]
    pub otc: Option<String>,
    /// Its regions.
    #[serde(default)]
    pub otc_regions: Vec<String>,
    /// The Swiss cloud's host, where known.
    #[serde(default)]
    pub swiss: Option<String>,
    /// Host prefix on Huawei Cloud.
    #[serde(default)]
    pub huawei: Option<String>,
    /// Its regions (default: the table's).
    #[serde(default)]
    pub huawei_regions: Option<Vec<String>>,
    /// The Huawei Go SDK region file the regions were confirmed against
    /// (`services/<service>/<version>/region/region.go[@commit]`); none: the table's
    /// common list, for review.
    #[serde(default)]
    pub huawei_source: Option<String>,
}

fn table() -> Result<Table, String> {
    toml::from_str(TABLE).map_err(|e| format!("doctools/services.toml: {e}"))
}

/// The service named `name` (or an alias), else the one documented by `repository`.
pub fn find(name: Option<&str>, repository: Option<&str>) -> Result<Option<Service>, String> {
    let t = table()?;
    let defaults = t.huawei.regions.clone();
    let with_defaults = |mut s: Service| {
        if s.huawei.is_some() && s.huawei_regions.is_none() {
            s.huawei_regions = Some(defaults.clone());
        }
        s
    };
    if let Some(n) = name {
        let n = n.to_ascii_lowercase();
        return Ok(t
            .service
            .into_iter()
            .find(|s| s.name == n || s.aliases.contains(&n))
            .map(with_defaults));
    }
    let Some(repo) = repository else {
        return Ok(None);
    };
    let short = repo.rsplit('/').next().unwrap_or(repo);
    Ok(t.service
        .into_iter()
        .find(|s| s.repositories.iter().any(|r| r == short))
        .map(with_defaults))
}

/// Every known service name.
#[cfg(test)]
pub fn names() -> Result<Vec<String>, String> {
    Ok(table()?.service.into_iter().map(|s| s.name).collect())
}

impl Service {
    /// The `servers` entries: Open Telekom Cloud, the Swiss cloud, Huawei Cloud.
    pub fn servers(&self) -> Vec<(Vec<String>, Node)> {
        let mut out = Vec::new();
        if let Some(host) = &self.otc
            && !self.otc_regions.is_empty()
        {
            let mut m = MapBuilder::new();
            m.str(
                "url",
                &format!("https://{host}.{{region}}.otc.t-systems.com"),
            );
            m.put(
                "description",
                Node::Text(format!(
                    "Open Telekom Cloud {} endpoint (`{host}.<region>.otc.t-systems.com`, from\ndoctools/services.toml: Open Telekom Cloud \"Regions and Endpoints\").",
                    self.title
                )),
            );
            m.put(
                "variables",
                region(&self.otc_regions, "eu-de", "Open Telekom Cloud region ID."),
            );
            out.push((vec![], m.build()));
        }
        if let Some(host) = &self.swiss {
            let mut m = MapBuilder::new();
            m.str("url", &format!("https://{host}"));
            m.str(
                "description",
                &format!("Swiss Open Telekom Cloud {} endpoint (eu-ch2).", self.title),
            );
            out.push((vec![], m.build()));
        }
        if let (Some(host), Some(regions)) = (&self.huawei, &self.huawei_regions) {
            let mut m = MapBuilder::new();
            m.str(
                "url",
                &format!("https://{host}.{{region}}.myhuaweicloud.com"),
            );
            let (origin, notes) = match &self.huawei_source {
                Some(source) => (
                    format!(
                        "\nRegions from the Huawei Go SDK region file huaweicloud/huaweicloud-sdk-go-v3\n`{source}` (doctools/services.toml)."
                    ),
                    vec!["review: confirm that the page's call is offered on Huawei Cloud (the same operation in the Huawei Go SDK)".into()],
                ),
                None => (
                    String::new(),
                    vec!["review: Huawei Cloud regions from the table's common list: confirm them with the service's SDK region file".into()],
                ),
            };
            m.put(
                "description",
                Node::Text(format!(
                    "Huawei Cloud {} endpoint (`{host}.<region>.myhuaweicloud.com`).{origin}",
                    self.title
                )),
            );
            m.put(
                "variables",
                region(regions, "ap-southeast-1", "Huawei Cloud region ID."),
            );
            out.push((notes, m.build()));
        }
        out
    }
}

/// The `region` variable: `regions`, the default `preferred` when listed, else the first.
fn region(regions: &[String], preferred: &str, description: &str) -> Node {
    let mut r = MapBuilder::new();
    let default = regions
        .iter()
        .find(|r| *r == preferred)
        .unwrap_or(&regions[0]);
    r.str("default", default);
    r.put("enum", Node::Flow(regions.to_vec()));
    r.str("description", description);
    let mut v = MapBuilder::new();
    v.put("region", r.build());
    v.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_names_are_unique() {
        let names = names().unwrap();
        assert!(names.len() >= 30, "{}", names.len());
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        let evs = find(None, Some("opentelekomcloud-docs/elastic-volume-service"))
            .unwrap()
            .unwrap();
        assert_eq!(evs.name, "evs");
        assert!(find(Some("kafka"), None).unwrap().is_some());
        assert!(find(Some("nope"), None).unwrap().is_none());
    }

    /// The table's Huawei Cloud servers are the specs' own: a draft of a known service gets
    /// the host and the regions a reviewed spec confirmed, and the two cannot drift apart.
    #[test]
    fn huawei_servers_agree_with_the_specs() {
        use cloudjobs_codegen::project;
        let root = project::root::project_root().unwrap();
        let mut checked = 0;
        for file in project::spec_files(&root.join("specs")).unwrap() {
            let label = file.display().to_string();
            let text = std::fs::read_to_string(&file).unwrap();
            let raw = cloudjobs_codegen::load::load_str(&text, &label)
                .unwrap()
                .raw;
            let info = &raw["info"];
            let repository = info["x-cloudjobs-sources"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|s| s["repository"].as_str());
            let name = info["x-cloudjobs-service"]["name"].as_str();
            let service = match repository.map(|r| find(None, Some(r)).unwrap()) {
                Some(Some(s)) => s,
                _ => match find(name, None).unwrap() {
                    Some(s) => s,
                    None => continue,
                },
            };
            // The spec's first Huawei Cloud server with listed regions.
            let server = raw["servers"].as_array().into_iter().flatten().find(|s| {
                let url = s["url"].as_str().unwrap_or_default();
                url.contains(".{region}.myhuaweicloud.com")
                    && s["variables"]["region"]["enum"].is_array()
            });
            let Some(server) = server else {
                assert!(
                    service.huawei_source.is_none(),
                    "{label}: no Huawei Cloud server, but the table confirms one for {}",
                    service.name
                );
                continue;
            };
            let url = server["url"].as_str().unwrap();
            let host = url
                .trim_start_matches("https://")
                .split_once(".{region}")
                .unwrap()
                .0;
            let mut regions: Vec<&str> = server["variables"]["region"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            regions.sort_unstable();
            let mut table: Vec<&str> = service
                .huawei_regions
                .iter()
                .flatten()
                .map(String::as_str)
                .collect();
            table.sort_unstable();
            assert_eq!(service.huawei.as_deref(), Some(host), "{label}: host");
            assert_eq!(table, regions, "{label}: regions of {}", service.name);
            let source = service.huawei_source.as_deref().unwrap_or_else(|| {
                panic!(
                    "{label}: the table names no region file for {}",
                    service.name
                )
            });
            let file_part = source.split('@').next().unwrap();
            let description = server["description"].as_str().unwrap_or_default();
            assert!(
                description
                    .split_whitespace()
                    .collect::<String>()
                    .contains(file_part),
                "{label}: the server's description names another region file than {source}"
            );
            checked += 1;
        }
        assert!(checked >= 25, "{checked} specs checked");
    }
}
