//! How many threads a run's lanes share.
//!
//! A server on this machine (loopback) competes with the runner for the same cores: measured on
//! 2 cores against the embedded mock, a runner on one thread judged 15% more cases per second
//! than on two, and both processes spent less CPU per case (fewer preemptions and cross-core
//! wake-ups). A remote server leaves the runner every core.

use std::net::IpAddr;

/// The threads for `lanes` lanes against `base_url`: `configured` when given (at least one),
/// else one per core, or half the cores (at least one) when the server is on loopback; never
/// more than the lanes.
pub fn threads(configured: Option<usize>, base_url: &str, lanes: usize) -> usize {
    let cores = cores();
    let wanted = configured.unwrap_or(match is_loopback(base_url) {
        true => cores / 2,
        false => cores,
    });
    wanted.max(1).min(lanes.max(1))
}

/// The cores this process may use (1 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whether `base_url` names this machine: `localhost` (and its subdomains) or a loopback
/// address.
pub fn is_loopback(base_url: &str) -> bool {
    let Ok(url) = url::Url::parse(base_url) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3/base",
            "http://[::1]:9000/",
            "http://localhost:3000",
            "https://LOCALHOST./x",
            "http://api.localhost",
            "http://user:pw@127.0.0.1/",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "https://api.lootlocker.io/game",
            "http://10.0.0.1",
            "http://[2001:db8::1]",
            "http://localhost.example.com",
            "not a url",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }

    #[test]
    fn threads_stay_between_one_and_the_lanes() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(threads(Some(3), "http://127.0.0.1", 8), 3, "as configured");
        assert_eq!(threads(Some(0), "http://127.0.0.1", 8), 1, "at least one");
        assert_eq!(
            threads(Some(64), "http://127.0.0.1", 4),
            4,
            "never past the lanes"
        );
        assert_eq!(threads(None, "https://example.com", 1024), cores);
        assert_eq!(threads(None, "http://127.0.0.1", 1024), (cores / 2).max(1));
    }
}
