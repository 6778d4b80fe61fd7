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
                region(&self.otc_regions, "Open Telekom Cloud region ID."),
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
            m.put(
                "description",
                Node::Text(format!(
                    "Huawei Cloud {} endpoint (`{host}.<region>.myhuaweicloud.com`).",
                    self.title
                )),
            );
            m.put("variables", region(regions, "Huawei Cloud region ID."));
            out.push((
                vec!["review: Huawei Cloud regions from the table's common list: confirm them with the service's SDK region file".into()],
                m.build(),
            ));
        }
        out
    }
}

fn region(regions: &[String], description: &str) -> Node {
    let mut r = MapBuilder::new();
    r.str("default", &regions[0]);
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
}
