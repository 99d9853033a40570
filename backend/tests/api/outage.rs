//! A database server that goes away and comes back, played by a TCP relay between the server and the
//! database that can be cut and restored: while it is cut, requests that need the database are answered 503
//! at once (not after the connection pool's 30 s acquire timeout), liveness stays up, and everything works
//! again on its own once the database is back. SQLite, a file, cannot go away.
use crate::{
    clinic::{self, Clinic},
    helpers::{Backend, TestApp},
};
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    outage(Backend::Postgres, "TEST_POSTGRES_URL").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mysql() {
    outage(Backend::MySql, "TEST_MYSQL_URL").await;
}

/// Relays TCP connections from a local port to the database server, until cut.
struct Relay {
    address: SocketAddr,
    target: String,
    acceptor: Mutex<Option<JoinHandle<()>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Self {
            address: listener.local_addr().unwrap(),
            target,
            acceptor: Mutex::new(None),
            connections: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let (target, connections) = (self.target.clone(), self.connections.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let relayed = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections.lock().unwrap().push(relayed);
            }
        });
        *self.acceptor.lock().unwrap() = Some(acceptor);
    }

    /// The database is gone: open connections drop, new ones are refused.
    fn cut(&self) {
        if let Some(acceptor) = self.acceptor.lock().unwrap().take() {
            acceptor.abort();
        }
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    async fn restore(&self) {
        // The aborted acceptor releases the port a moment later.
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(self.address).await {
                return self.serve(listener);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not listen on {} again", self.address);
    }
}

/// `scheme://user@host:port/…` → `host:port`.
fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    authority.rsplit('@').next().unwrap_or(authority).to_owned()
}

async fn outage(backend: Backend, var: &str) {
    let Some(server) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) else {
        return;
    };
    let target = host_port(&server);
    let relay = Relay::start(target.clone()).await;
    let via = relay.address.to_string();
    let Some(app) = TestApp::spawn_with(backend, |s| {
        let url = secrecy::ExposeSecret::expose_secret(&s.database_url).replacen(&target, &via, 1);
        s.database_url = url.into();
    })
    .await
    else {
        return;
    };
    let clinic = Clinic::open(&app).await;
    let patients = clinic.patients(&app, 2).await;
    let schedule = clinic::future_schedule(&app, clinic.doctor_id, 2, 5).await;
    assert_eq!(clinic::book(&app, patients[0], schedule).await.status, 201);

    relay.cut();
    // Whatever the watcher has noticed yet, nothing waits for the pool: a client that gives up after 10 s
    // (a third of the pool's acquire timeout) gets its answer.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token = app.front_desk().await;
    for round in 0..3 {
        let ready = impatient.get(app.url("/ready")).send().await;
        let ready =
            TestApp::read(ready.unwrap_or_else(|e| panic!("/ready, round {round}: {e}"))).await;
        ready.assert_problem(503, "UNAVAILABLE");
        let booking = impatient
            .post(app.url("/api/v1/appointments"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"patient_id": patients[1], "schedule_id": schedule}))
            .send()
            .await;
        let booking =
            TestApp::read(booking.unwrap_or_else(|e| panic!("booking, round {round}: {e}"))).await;
        booking.assert_problem(503, "UNAVAILABLE");
        for header in ["retry-after", "x-request-id"] {
            assert!(
                booking.headers.contains_key(header),
                "{header}: {:?}",
                booking.headers
            );
        }
    }
    let alive = impatient.get(app.url("/health")).send().await.unwrap();
    assert_eq!(alive.status(), 200, "the process itself is alive");

    relay.restore().await;
    let mut ready = false;
    for _ in 0..60 {
        if impatient
            .get(app.url("/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "ready again once the database is back");
    let booked = clinic::book(&app, patients[1], schedule).await;
    assert_eq!(booked.status, 201, "booking works again: {:?}", booked.body);
}
