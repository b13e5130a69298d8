import Foundation
import MMSearchKit
import MMTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real `mmsearch serve` on a free loopback port (`--port 0`), started from the built binary,
/// for the length of a test. `stop()` sends SIGTERM and waits for a graceful exit.
final class RunningServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stderrLines = Locked<[String]>([])

    /// Starts `mmsearch serve ARGUMENTS… --port 0` and waits until it listens and (unless
    /// `waitForPack` is false) its pack is loaded.
    init(_ arguments: [String], environment: [String: String] = [:], waitForPack: Bool = true) throws {
        process.executableURL = try CommandLineTool.executable
        process.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let found = Locked<Int?>(nil)
        let lines = stderrLines
        // Read stderr for the whole life of the server (a full pipe would block it).
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending += chunk
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending = pending[(newline + 1)...]
                    lines.withLock { $0.append(line) }
                    if let range = line.range(of: "http://127.0.0.1:"), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) {
                        found.withLock { $0 = port }
                    }
                }
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while found.withLock({ $0 }) == nil {
            guard process.isRunning, Date() < deadline else {
                throw SetupError("mmsearch serve did not start: \(stderrLines.withLock { $0.joined(separator: "\n") })")
            }
            usleep(20_000)
        }
        port = found.withLock { $0 }!
        if waitForPack {
            while !((try? get("/api/v1/status"))?.text.contains("\"ready\":true") ?? false) {
                guard process.isRunning, Date() < deadline else {
                    throw SetupError("mmsearch serve did not load its pack: \(stderrLines.withLock { $0.joined(separator: "\n") })")
                }
                usleep(50_000)
            }
        }
    }

    var log: String { stderrLines.withLock { $0.joined(separator: "\n") } }
    var url: String { "http://127.0.0.1:\(port)" }

    func get(_ target: String, headers: [String: String] = [:]) throws -> HTTPAnswer {
        try RawHTTP.send("GET", target, port: port, headers: headers)
    }

    func post(_ target: String, json: String, headers: [String: String] = [:]) throws -> HTTPAnswer {
        try RawHTTP.send("POST", target, port: port, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                         body: Array(json.utf8))
    }

    /// A multipart POST of `fields` and files (`(name, filename, bytes)`).
    func post(_ target: String, fields: [(String, String)] = [], files: [(String, String, [UInt8])],
              headers: [String: String] = [:]) throws -> HTTPAnswer {
        let boundary = "test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, filename, bytes) in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n\r\n".utf8)
            body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try RawHTTP.send("POST", target, port: port,
                                headers: headers.merging(["Content-Type": "multipart/form-data; boundary=\(boundary)"]) { a, _ in a },
                                body: body)
    }

    /// Listens to `GET /api/v1/index/events` on a thread of its own until the server closes the
    /// stream; `received(within:)` waits for that and gives the raw bytes (nil if it stayed open).
    func listenToEvents() -> EventListener {
        let listener = EventListener()
        let port = port
        Thread.detachNewThread {
            let bytes = (try? RawHTTP.exchange("GET", "/api/v1/index/events", port: port, readTimeout: 60)) ?? []
            listener.bytes.withLock { $0 = bytes }
            listener.closed.signal()
        }
        usleep(300_000)
        return listener
    }

    final class EventListener: Sendable {
        let bytes = Locked<[UInt8]>([])
        let closed = DispatchSemaphore(value: 0)

        func received(within seconds: Double) -> String? {
            guard closed.wait(timeout: .now() + seconds) == .success else { return nil }
            return String(decoding: bytes.withLock { $0 }, as: UTF8.self)
        }
    }

    /// SIGTERM, then the exit status (nil if it did not exit within `timeout` seconds; then it
    /// is killed).
    @discardableResult
    func stop(timeout: TimeInterval = 20) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// What a server answered.
struct HTTPAnswer: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an error body.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// HTTP/1.1 over a plain socket, the request target sent exactly as given (no client
/// normalises `..` away here): what a hostile client can send.
enum RawHTTP {
    static func send(_ method: String, _ target: String, port: Int, headers: [String: String] = [:],
                     body: [UInt8] = [], readTimeout: TimeInterval = 60) throws -> HTTPAnswer {
        let raw = try exchange(method, target, port: port, headers: headers, body: body, readTimeout: readTimeout)
        return try parse(raw)
    }

    /// The raw bytes the server sent until it closed the connection (or `readTimeout` passed).
    static func exchange(_ method: String, _ target: String, port: Int, headers: [String: String] = [:],
                         body: [UInt8] = [], readTimeout: TimeInterval = 60) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SetupError("connect to port \(port): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: Int(readTimeout), tv_usec: Int((readTimeout - readTimeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }  // the server may answer (413) before reading everything
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    static func parse(_ raw: [UInt8]) throws -> HTTPAnswer {
        guard let end = find([13, 10, 13, 10], in: raw) else { throw SetupError("no HTTP answer: \(String(decoding: raw, as: UTF8.self))") }
        let head = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw SetupError("bad status line \(head[0])") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(raw[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunked(body) }
        return HTTPAnswer(status: status, headers: headers, body: body)
    }

    static func dechunked(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while let lineEnd = find([13, 10], in: bytes, from: i) {
            let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
            if size == 0 { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { out += bytes[start...]; break }
            out += bytes[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
