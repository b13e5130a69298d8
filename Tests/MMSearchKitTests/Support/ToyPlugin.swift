import Foundation
import MMTestSupport

/// Builds Tests/TestPlugins/toy_plugin.c into a shared library with `cc`, against the public
/// header only, as a plugin author would.
enum ToyPlugin {
    static let source = TestPaths.repository.appendingPathComponent("Tests/TestPlugins/toy_plugin.c")
    static let headers = TestPaths.repository.appendingPathComponent("Plugins/ABI/include")

    /// Compiles the toy with `-D` `defines` (e.g. `TOY_ABI_VERSION=99`) into `directory/name.so`.
    @discardableResult
    static func build(into directory: URL, name: String = "toy", defines: [String] = []) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent(name + ".so")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-O1", "-shared", "-fPIC", "-I", headers.path]
            + defines.map { "-D" + $0 } + ["-o", output.path, source.path, "-lm"]
        let errors = Pipe()
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SetupError("cc failed to build the toy plugin: \(String(decoding: message, as: UTF8.self))")
        }
        return output
    }
}
