//! The AWS clients' endpoints for the function's region, without building the SDKs' rule
//! engines at init in the common case.
//!
//! Each SDK's resolver parses its partition table (JSON, with regular expressions) when it is
//! constructed, which the client does at init: a fifth of get-user's init instructions, twice
//! that for the functions that also read the secret store (bench/notes.md, "Init: what the
//! SDK's default chains cost"). For a commercial region with nothing special asked (no FIPS,
//! dual-stack, endpoint override, account id or ARN) the rules give
//! `https://{service}.{region}.amazonaws.com`; anything else goes to the SDK's own resolver,
//! built the first time it is needed. Tests hold each to the SDK's answers.

use std::sync::OnceLock;

use aws_sdk_dynamodb::config::endpoint::{Endpoint, EndpointFuture};

/// A resolver that answers the common case itself and hands the rest to `Rules`, the SDK's.
#[derive(Debug, Default)]
pub(crate) struct RegionalEndpoint<Rules> {
    rules: OnceLock<Rules>,
}

impl aws_sdk_dynamodb::config::endpoint::ResolveEndpoint
    for RegionalEndpoint<aws_sdk_dynamodb::config::endpoint::DefaultResolver>
{
    fn resolve_endpoint<'a>(
        &'a self,
        params: &'a aws_sdk_dynamodb::config::endpoint::Params,
    ) -> EndpointFuture<'a> {
        let nothing_special = params.endpoint().is_none()
            && params.use_fips() != Some(true)
            && params.use_dual_stack() != Some(true)
            && params.account_id().is_none()
            && params.resource_arn().is_none()
            && params.resource_arn_list().is_none();
        match regional_url("dynamodb", params.region(), nothing_special) {
            Some(url) => EndpointFuture::ready(Ok(Endpoint::builder().url(url).build())),
            None => self
                .rules
                .get_or_init(Default::default)
                .resolve_endpoint(params),
        }
    }
}

impl aws_sdk_secretsmanager::config::endpoint::ResolveEndpoint
    for RegionalEndpoint<aws_sdk_secretsmanager::config::endpoint::DefaultResolver>
{
    fn resolve_endpoint<'a>(
        &'a self,
        params: &'a aws_sdk_secretsmanager::config::endpoint::Params,
    ) -> EndpointFuture<'a> {
        let nothing_special = params.endpoint().is_none()
            && params.use_fips() != Some(true)
            && params.use_dual_stack() != Some(true);
        match regional_url("secretsmanager", params.region(), nothing_special) {
            Some(url) => EndpointFuture::ready(Ok(Endpoint::builder().url(url).build())),
            None => self
                .rules
                .get_or_init(Default::default)
                .resolve_endpoint(params),
        }
    }
}

fn regional_url(service: &str, region: Option<&str>, nothing_special: bool) -> Option<String> {
    let region = region?;
    (nothing_special && is_commercial(region))
        .then(|| format!("https://{service}.{region}.amazonaws.com"))
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

    type DynamoDbRules = aws_sdk_dynamodb::config::endpoint::DefaultResolver;
    type SecretsRules = aws_sdk_secretsmanager::config::endpoint::DefaultResolver;

    fn answer(future: EndpointFuture<'_>) -> Result<Endpoint, String> {
        futures::executor::block_on(future).map_err(|error| error.to_string())
    }

    const SETTINGS: [(bool, bool, Option<&str>); 4] = [
        (false, false, None),
        (true, false, None),
        (false, true, None),
        (false, false, Some("123456789012")),
    ];

    #[test]
    fn dynamodb_answers_as_the_sdks_rules_do_for_every_region_and_setting() {
        use aws_sdk_dynamodb::config::endpoint::{Params, ResolveEndpoint};
        let (ours, sdk) = (
            RegionalEndpoint::<DynamoDbRules>::default(),
            DynamoDbRules::new(),
        );
        let mut shortcuts = 0;
        for region in REGIONS {
            for (fips, dual_stack, account) in SETTINGS {
                let params = Params::builder()
                    .region(*region)
                    .use_fips(fips)
                    .use_dual_stack(dual_stack)
                    .set_account_id(account.map(str::to_owned))
                    .build()
                    .unwrap();
                let expected = answer(sdk.resolve_endpoint(&params));
                assert_eq!(
                    answer(ours.resolve_endpoint(&params)),
                    expected,
                    "{params:?}"
                );
                shortcuts += usize::from(ours.rules.get().is_none());
            }
        }
        // The shortcut is taken for the 33 commercial regions with nothing special asked, and
        // it was taken first: the SDK's rules were built only when something else came.
        assert!(ours.rules.get().is_some());
        assert_eq!(
            shortcuts, 1,
            "the first commercial region took the shortcut"
        );
        let plain = REGIONS
            .iter()
            .filter(|region| regional_url("dynamodb", Some(region), true).is_some())
            .count();
        assert_eq!(plain, 33);
    }

    #[test]
    fn secrets_manager_answers_as_the_sdks_rules_do_for_every_region_and_setting() {
        use aws_sdk_secretsmanager::config::endpoint::{Params, ResolveEndpoint};
        let (ours, sdk) = (
            RegionalEndpoint::<SecretsRules>::default(),
            SecretsRules::new(),
        );
        for region in REGIONS {
            for (fips, dual_stack, _) in SETTINGS {
                let params = Params::builder()
                    .region(*region)
                    .use_fips(fips)
                    .use_dual_stack(dual_stack)
                    .build()
                    .unwrap();
                let expected = answer(sdk.resolve_endpoint(&params));
                assert_eq!(
                    answer(ours.resolve_endpoint(&params)),
                    expected,
                    "{params:?}"
                );
            }
        }
    }

    #[test]
    fn an_endpoint_override_goes_to_the_sdks_rules() {
        use aws_sdk_dynamodb::config::endpoint::{Params, ResolveEndpoint};
        let ours = RegionalEndpoint::<DynamoDbRules>::default();
        let params = Params::builder()
            .region("us-east-1")
            .endpoint("http://127.0.0.1:8000")
            .build()
            .unwrap();
        let expected = answer(DynamoDbRules::new().resolve_endpoint(&params));
        assert_eq!(answer(ours.resolve_endpoint(&params)), expected);
        assert!(ours.rules.get().is_some());
    }
}
