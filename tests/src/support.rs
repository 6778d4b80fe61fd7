//! Service and operation descriptors for tests that drive the runtime directly (without a
//! generated client), shared by the `runtime_*` tests.

use cloudjobs::runtime::{Method, Operation, Service};

/// A job service without servers: tests give it an explicit endpoint.
pub static JOBS: Service = Service {
    name: "test_jobs",
    title: "Test jobs",
    servers: &[],
};

/// An IAM service without servers: tests give it an explicit endpoint.
pub static IAM: Service = Service {
    name: "test_iam",
    title: "Test IAM",
    servers: &[],
};

/// `GET /v1/{project_id}/jobs/{job_id}`, authenticated (idempotent: retried).
pub static SHOW_JOB: Operation = Operation {
    id: "ShowJob",
    method: Method::GET,
    path: "/v1/{project_id}/jobs/{job_id}",
    authenticated: true,
};

/// `DELETE /v1/{project_id}/jobs/{job_id}`, authenticated (idempotent: retried).
pub static DELETE_JOB: Operation = Operation {
    id: "DeleteJob",
    method: Method::DELETE,
    path: "/v1/{project_id}/jobs/{job_id}",
    authenticated: true,
};

/// `POST /v1/{project_id}/jobs`, authenticated (not idempotent: not resent).
pub static CREATE_JOB: Operation = Operation {
    id: "CreateJob",
    method: Method::POST,
    path: "/v1/{project_id}/jobs",
    authenticated: true,
};

/// `GET /`, without authentication.
pub static PUBLIC_INFO: Operation = Operation {
    id: "ShowVersion",
    method: Method::GET,
    path: "/",
    authenticated: false,
};

/// IAM `POST /v3/auth/tokens`, without authentication.
pub static CREATE_TOKEN: Operation = Operation {
    id: "KeystoneCreateUserTokenByPassword",
    method: Method::POST,
    path: "/v3/auth/tokens",
    authenticated: false,
};
