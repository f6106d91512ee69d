//! Every DynamoDB call's latency and retries, as metrics (`crate::metrics`), and as an X-Ray
//! subsegment when the invocation is traced (`crate::xray`): an interceptor on the SDK client,
//! so no access pattern has to remember to time itself.

use std::time::{Instant, SystemTime};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use crate::xray::{Call, Emitter};

#[derive(Debug)]
pub(crate) struct CallMetrics {
    xray: Option<Emitter>,
}

impl CallMetrics {
    pub(crate) fn new(xray_daemon: Option<std::net::SocketAddr>) -> Self {
        Self {
            xray: xray_daemon.map(Emitter::new),
        }
    }
}

/// When the call began (before its first attempt): the monotonic clock to time it, the wall
/// clock for X-Ray.
#[derive(Debug, Clone)]
struct Started(Instant, SystemTime);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallMetrics {
    fn name(&self) -> &'static str {
        "CallMetrics"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(Started(Instant::now(), SystemTime::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (Some(started), Some(metadata)) = (cfg.load::<Started>(), cfg.load::<Metadata>())
        else {
            return Ok(());
        };
        let retries = cfg
            .load::<RequestAttempts>()
            .map_or(0, |a| a.attempts().saturating_sub(1));
        crate::metrics::dynamodb_call(metadata.name(), started.0.elapsed(), retries);
        if let Some(xray) = &self.xray {
            xray.record(&Call {
                operation: metadata.name(),
                started: started.1,
                ended: SystemTime::now(),
                retries,
                failed: matches!(context.output_or_error(), Some(Err(_))),
            });
        }
        Ok(())
    }
}
