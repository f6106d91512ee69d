//! DynamoDB's endpoint for the function's region, without building the SDK's rule engine at
//! init in the common case.
//!
//! The SDK's resolver parses its partition table (JSON, with regular expressions) when it is
//! constructed, which the client does at init: a fifth of get-user's init instructions
//! (bench/notes.md, "Init: what the SDK's default chains cost"). For a commercial region with
//! nothing special asked (no FIPS, dual-stack, endpoint override, account id or ARN) the rules
//! give `https://dynamodb.{region}.amazonaws.com`; anything else goes to the SDK's own resolver,
//! built the first time it is needed. A test holds the two to the same answers.

use std::sync::OnceLock;

use aws_sdk_dynamodb::config::endpoint::{
    DefaultResolver, Endpoint, EndpointFuture, Params, ResolveEndpoint,
};

#[derive(Debug, Default)]
pub(crate) struct RegionalEndpoint {
    rules: OnceLock<DefaultResolver>,
}

impl ResolveEndpoint for RegionalEndpoint {
    fn resolve_endpoint<'a>(&'a self, params: &'a Params) -> EndpointFuture<'a> {
        match regional_url(params) {
            Some(url) => EndpointFuture::ready(Ok(Endpoint::builder().url(url).build())),
            None => self
                .rules
                .get_or_init(DefaultResolver::new)
                .resolve_endpoint(params),
        }
    }
}

fn regional_url(params: &Params) -> Option<String> {
    let nothing_special = params.endpoint().is_none()
        && params.use_fips() != Some(true)
        && params.use_dual_stack() != Some(true)
        && params.account_id().is_none()
        && params.resource_arn().is_none()
        && params.resource_arn_list().is_none();
    let region = params.region()?;
    (nothing_special && is_commercial(region))
        .then(|| format!("https://dynamodb.{region}.amazonaws.com"))
}

/// The `aws` partition's region shape, `^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$` in the SDK's
/// table: `eu-central-2`, not `us-gov-west-1`, `cn-north-1` or `us-iso-east-1`.
fn is_commercial(region: &str) -> bool {
    const AREAS: [&str; 9] = ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"];
    let mut parts = region.split('-');
    let (Some(area), Some(direction), Some(number), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    AREAS.contains(&area)
        && !direction.is_empty()
        && direction
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every commercial region AWS had on 2026-11-26, some in other partitions, and shapes that
    /// are no region at all.
    const REGIONS: &[&str] = &[
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-1",
        "ap-south-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-south-1",
        "eu-south-2",
        "eu-north-1",
        "il-central-1",
        "me-south-1",
        "me-central-1",
        "mx-central-1",
        "sa-east-1",
        "cn-north-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-gov-east-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "eu-isoe-west-1",
        "local",
        "us-east-1-fips",
        "fips-us-east-1",
        "aws-global",
        "xx-east-1",
    ];

    fn both(params: &Params) -> (Result<Endpoint, String>, Result<Endpoint, String>) {
        let answer = |future: EndpointFuture<'_>| {
            futures::executor::block_on(future).map_err(|error| error.to_string())
        };
        (
            answer(RegionalEndpoint::default().resolve_endpoint(params)),
            answer(DefaultResolver::new().resolve_endpoint(params)),
        )
    }

    #[test]
    fn answers_as_the_sdks_rules_do_for_every_region_and_setting() {
        let mut shortcuts = 0;
        for region in REGIONS {
            for (fips, dual_stack, account) in [
                (false, false, None),
                (true, false, None),
                (false, true, None),
                (false, false, Some("123456789012")),
            ] {
                let params = Params::builder()
                    .region(*region)
                    .use_fips(fips)
                    .use_dual_stack(dual_stack)
                    .set_account_id(account.map(str::to_owned))
                    .build()
                    .unwrap();
                let (ours, sdk) = both(&params);
                assert_eq!(ours, sdk, "{params:?}");
                shortcuts += usize::from(regional_url(&params).is_some());
            }
        }
        // The shortcut is taken for the 33 commercial regions with nothing special asked.
        assert_eq!(shortcuts, 33);
    }

    #[test]
    fn an_endpoint_override_goes_to_the_sdks_rules() {
        let params = Params::builder()
            .region("us-east-1")
            .endpoint("http://127.0.0.1:8000")
            .build()
            .unwrap();
        assert_eq!(regional_url(&params), None);
        let (ours, sdk) = both(&params);
        assert_eq!(ours, sdk);
    }
}
