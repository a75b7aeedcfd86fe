/// The DNS stub resolver on the stack: A queries to the configured servers over
/// UDP, retried (rotating servers) every `dnsRetryInterval`, answers cached for their TTL.
extension NetworkStack {
    /// Starts a lookup. Dotted quads and cached names complete at once. With
    /// `server` (as `nslookup NAME SERVER` asks) only that server and port are
    /// asked, and the cache is neither read nor filled.
    public func resolve(_ name: String, server: DNSServer? = nil, now: UInt64) -> DNSQuery {
        lastNow = max(lastNow, now)
        if let literal = IPv4Address(name) {
            let query = DNSQuery.create(name: name, normalized: [])
            query.complete(.success([literal]))
            return query
        }
        guard let normalized = DNSMessage.normalizedName(name) else {
            let query = DNSQuery.create(name: name, normalized: [])
            query.complete(.failure(.invalidName))
            return query
        }
        let query = DNSQuery.create(name: name, normalized: normalized)
        query.server = server
        if server == nil, let cached = dnsCache.lookup(normalized, now: now) {
            statistics.dns.cacheHits += 1
            query.complete(.success(cached))
            return query
        }
        guard isConfigured else {
            query.complete(.failure(.notConfigured))
            return query
        }
        guard server != nil || !dnsServers.isEmpty else {
            query.complete(.failure(.noDNSServer))
            return query
        }
        guard queries.count < Self.maximumQueries, let port = freeEphemeralPort() else {
            query.complete(.failure(.tooManyRequests))
            return query
        }
        query.socket = UDPSocket.create(port: port, queueLimit: 1)
        queries.append(query)
        sendQuery(query, now: now)
        return query
    }

    func sendQuery(_ query: DNSQuery, now: UInt64) {
        guard let socket = query.socket, let server = currentServer(query) else {
            finish(query, .failure(.noDNSServer))
            return
        }
        query.attempts += 1
        query.identifier = UInt16(truncatingIfNeeded: nextRandom())
        query.nextAttempt = now &+ Self.dnsRetryInterval
        do throws(NetworkError) {
            try sendUDP(from: socket.port, to: server.address, port: server.port,
                        payload: DNSMessage.query(identifier: query.identifier, name: query.normalized))
            statistics.dns.queriesSent += 1
        } catch {
            // A local failure (e.g. ARP queue full) is retried like a lost packet.
        }
    }

    /// The server a query asks now: its own, or the configured ones in turn.
    func currentServer(_ query: DNSQuery) -> DNSServer? {
        if let server = query.server { return server }
        guard !dnsServers.isEmpty else { return nil }
        return DNSServer(address: dnsServers[query.serverIndex % dnsServers.count])
    }

    func pollQueries(now: UInt64) {
        for query in queries where !query.isComplete && now >= query.nextAttempt {
            if query.attempts >= Self.dnsAttempts {
                finish(query, .failure(.timeout))
            } else {
                query.serverIndex += 1
                sendQuery(query, now: now)
            }
        }
        queries.removeAll { $0.isComplete }
    }

    func finish(_ query: DNSQuery, _ outcome: Result<[IPv4Address], NetworkError>) {
        if case .failure = outcome { statistics.dns.failures += 1 }
        query.complete(outcome)
        query.socket?.markClosed()
        query.socket = nil
    }

    func receiveDNS(_ query: DNSQuery, datagram: UDPDatagram, from source: IPv4Address, now: UInt64) {
        let fromServer = query.server.map { source == $0.address && datagram.sourcePort == $0.port }
            ?? (datagram.sourcePort == DNSMessage.port && dnsServers.contains(source))
        guard fromServer, !query.isComplete else {
            statistics.dns.droppedUnmatched += 1
            return
        }
        let parsed: DNSMessage.Response? = datagram.payload.withUnsafeBytes { bytes in
            do throws(DNSMessage.ParseError) { return try DNSMessage.parse(bytes) } catch { return nil }
        }
        guard let response = parsed else {
            statistics.dns.droppedMalformed += 1
            return
        }
        guard response.identifier == query.identifier, response.questionName == nil || response.questionName == query.normalized else {
            statistics.dns.droppedUnmatched += 1
            return
        }
        statistics.dns.answers += 1
        switch response.rcode {
        case 0: break
        case 3:
            finish(query, .failure(.nameNotFound))
            return
        default:
            finish(query, .failure(.serverFailure(rcode: response.rcode)))
            return
        }
        let (addresses, ttl) = DNSMessage.resolve(query.normalized, in: response.answers)
        guard !addresses.isEmpty else {
            finish(query, .failure(.nameNotFound))
            return
        }
        if query.server == nil { dnsCache.insert(query.normalized, addresses: addresses, ttl: ttl, now: now) }
        finish(query, .success(addresses))
    }
}
