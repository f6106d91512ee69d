//! What `TestApp`'s relay does with its handler's DynamoDB calls: records the IAM they need,
//! meters their capacity and refuses the ones a test throttles.

use std::sync::Arc;

use super::capacity::CapacityMeter;
use super::iam::{IamRecorder, grants_of};
use super::relay::{RelayHooks, RelayedRequest, RelayedResponse};
use super::throttle::Throttle;

pub(crate) struct HandlerWire {
    pub recorder: Option<IamRecorder>,
    pub meter: CapacityMeter,
    pub throttle: Arc<Throttle>,
}

impl RelayHooks for HandlerWire {
    fn on_request(&self, request: &mut RelayedRequest) -> Option<RelayedResponse> {
        // Parsed even when not recording, so a call the recorder cannot read fails every run;
        // and before a refusal: a throttled call still needs its grant.
        let grants = grants_of(request);
        if let Some(recorder) = &self.recorder {
            recorder.record(&grants);
        }
        if let Some(refusal) = self.throttle.answer(request) {
            return Some(refusal);
        }
        self.meter.ask(request);
        None
    }

    fn on_response(&self, request: &RelayedRequest, response: &RelayedResponse) {
        self.meter.record(request, response);
    }
}
