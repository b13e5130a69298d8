// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "mmsearch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mmsearch", targets: ["mmsearch"]),
        .library(name: "MMSearchKit", targets: ["MMSearchKit"]),
        .library(name: "MMEmbeddedStore", targets: ["MMEmbeddedStore"]),
        .library(name: "MMTensor", targets: ["MMTensor"]),
        .library(name: "MMMedia", targets: ["MMMedia"]),
        .library(name: "MMBuiltins", targets: ["MMBuiltins"]),
        .library(name: "MMPocketSphinx", targets: ["MMPocketSphinx"]),
        .library(name: "MMCLIP", targets: ["MMCLIP"]),
        .library(name: "MMCLAP", targets: ["MMCLAP"]),
        .library(name: "MMSearchServer", targets: ["MMSearchServer"]),
        .library(name: "MMPostgresStore", targets: ["MMPostgresStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // The error convention of the C shims below, written once: a status code, and a message
        // written into the caller's buffer (`mm_set_error`).
        .target(name: "CShim", path: "Sources/CShim"),

        // libjpeg-turbo / libpng decoding behind a small C shim: both libraries report errors
        // with setjmp/longjmp, which Swift cannot catch, so the shim turns them into status codes.
        .target(name: "CCodecs", dependencies: ["CShim"], path: "Sources/CCodecs",
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),

        // libsndfile (WAV, FLAC, Ogg Vorbis/Opus, MP3) and libsamplerate behind a small C shim:
        // virtual I/O over a descriptor or memory that counts the bytes read, a mono mixdown, and
        // status codes with messages.
        .target(name: "CAudio", dependencies: ["CShim"], path: "Sources/CAudio",
                linkerSettings: [.linkedLibrary("sndfile"), .linkedLibrary("samplerate")]),

        // pocketsphinx 5prealpha (Debian bookworm's libpocketsphinx-dev) for speech recognition,
        // and a small C shim over it: its configuration is built with a variadic call Swift
        // cannot make, and its word segments are pointers valid only until the next step.
        .systemLibrary(name: "CPocketSphinx", path: "Sources/CPocketSphinx", pkgConfig: "pocketsphinx",
                       providers: [.apt(["libpocketsphinx-dev"])]),
        .target(name: "CSpeech", dependencies: ["CPocketSphinx"], path: "Sources/CSpeech"),

        // Vector kernels compiled per instruction set and picked at run time (AVX2+FMA or generic).
        .target(name: "CKernels", path: "Sources/CKernels"),
        // The same for vector search: f32/f16/int8 dot products (AVX2+FMA+F16C or portable),
        // the approximate index's graph walk and insert, CRC-32C.
        .target(name: "CVectorKernels", path: "Sources/CVectorKernels"),

        // Runtime and media.
        .target(name: "MMTensor", dependencies: ["CBLAS", "CKernels"]),
        // libexif: photos' EXIF (date taken, camera, position, orientation) for PhotoMetadata.
        .systemLibrary(name: "CExif", path: "Sources/CExif", pkgConfig: "libexif", providers: [.apt(["libexif-dev"])]),
        // libsixel: pictures for terminals that speak sixel (`mmsearch query --preview`).
        .systemLibrary(name: "CSixel", path: "Sources/CSixel", pkgConfig: "libsixel", providers: [.apt(["libsixel-dev"])]),
        // Tesseract (C API): text inside images, read at index time (`TextRecognizer`).
        .systemLibrary(name: "CTesseract", path: "Sources/CTesseract", pkgConfig: "tesseract",
                       providers: [.apt(["libtesseract-dev", "tesseract-ocr-eng"])]),
        .target(name: "MMMedia", dependencies: ["CCodecs", "CAudio", "CExif", "CSixel", "CTesseract"]),

        // The C ABI of shared-library plugins: the public header (Plugins/ABI/include) and
        // compile-time checks of its layout.
        .target(name: "MMSPluginABI", path: "Plugins/ABI"),

        // The host: encoders, packs, plugins, indexing, search, the storage protocol, documents.
        .target(name: "MMSearchKit", dependencies: [
            "MMMedia", "MMTensor", "MMSPluginABI",
        ], resources: [.copy("Describe/Resources/vocabulary.txt")]),

        // The embedded store: the storage protocol on a SQLite catalog and memory-mapped vector
        // files (one directory per index).
        .target(name: "MMEmbeddedStore", dependencies: [
            "MMSearchKit", "MMTensor", "CVectorKernels",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // The PostgreSQL store: the storage protocol on PostgreSQL + pgvector (one server, or a
        // coordinator whose vector tables are partitions on shard servers through postgres_fdw).
        .target(name: "MMPostgresStore", dependencies: [
            "MMSearchKit",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Built-in encoder plugins (the `lite` pack).
        .target(name: "MMBERT", dependencies: ["MMTensor", "MMSearchKit"], path: "Plugins/BERT"),
        .target(name: "MMEfficientNet", dependencies: ["MMTensor", "MMMedia", "MMSearchKit"],
                path: "Plugins/EfficientNet", resources: [.copy("Resources/imagenet-classes.txt")]),

        // Spoken content: pocketsphinx transcribes, the pack's text encoder embeds the transcript.
        .target(name: "MMPocketSphinx", dependencies: ["CSpeech", "MMMedia", "MMSearchKit"], path: "Plugins/PocketSphinx"),

        // What a program gets built in: the table of packs (data), their loaders (the `lite`
        // pack assembled from its three families), a pack put together with its plugins and
        // limits, and the stores an index can live in.
        .target(name: "MMBuiltins", dependencies: ["MMBERT", "MMEfficientNet", "MMPocketSphinx", "MMCLIP", "MMCLAP",
                                                   "MMSearchKit", "MMEmbeddedStore", "MMPostgresStore"],
                resources: [.copy("Resources/packs.json")]),

        // CLIP (the `clip-vit-b32` pack's networks, tokenizer and preprocessing).
        .target(name: "MMCLIP", dependencies: ["MMTensor", "MMMedia", "MMSearchKit"], path: "Plugins/CLIP"),

        // CLAP (the `clap-htsat` pack's networks, tokenizer and audio features).
        .target(name: "MMCLAP", dependencies: ["MMTensor", "MMMedia", "MMSearchKit", "MMBERT"], path: "Plugins/CLAP"),

        // The resident service: the HTTP API under /api/v1, the web page (Web/, embedded into
        // the binary by Scripts/generate/web-assets.py), thumbnails and live folders.
        .target(name: "MMSearchServer", dependencies: [
            "MMSearchKit", "MMMedia", "MMTensor",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], exclude: ["Web"]),

        // The command line: parsing and printing.
        .executableTarget(name: "mmsearch", dependencies: [
            "MMSearchKit", "MMBuiltins", "MMSearchServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks of the vector store against FAISS (Scripts/bench/search.sh, bench/index.sh) and
        // of CLIP's image tower against ONNX Runtime (Scripts/bench/clip.sh); not tests.
        .executableTarget(name: "mmsearch-bench", dependencies: ["MMSearchKit", "MMBuiltins", "MMEmbeddedStore", "MMCLIP"],
                          path: "Sources/mmsearch-bench"),

        // Tests.
        // Finds fixtures, and the models where the product does (`Locations`).
        .target(name: "MMTestSupport", dependencies: ["MMSearchKit", "MMEmbeddedStore", "MMPostgresStore"],
                path: "Tests/TestSupport"),
        .testTarget(name: "MMTensorTests", dependencies: ["MMTestSupport", "MMTensor"]),
        .testTarget(name: "MMMediaTests", dependencies: ["MMTestSupport", "MMMedia", "CSixel"]),
        .testTarget(name: "MMBERTTests", dependencies: ["MMTestSupport", "MMBERT", "MMTensor"]),
        .testTarget(name: "MMEfficientNetTests", dependencies: ["MMTestSupport", "MMEfficientNet", "MMMedia", "MMTensor"]),
        .testTarget(name: "MMCLIPTests", dependencies: ["MMTestSupport", "MMCLIP", "MMTensor", "MMMedia"]),
        .testTarget(name: "MMCLAPTests", dependencies: ["MMTestSupport", "MMCLAP", "MMTensor"]),
        .testTarget(name: "MMPocketSphinxTests", dependencies: ["MMTestSupport", "MMPocketSphinx", "MMBuiltins", "MMSearchKit",
                                                                "MMEmbeddedStore", "MMMedia"]),
        .testTarget(name: "MMSearchKitTests", dependencies: ["MMTestSupport", "MMSearchKit", "MMMedia", "MMEmbeddedStore", "MMPostgresStore",
                                                             "mmsearch", .product(name: "PostgresNIO", package: "postgres-nio")]),
        .testTarget(name: "EndToEndTests", dependencies: ["MMTestSupport", "MMSearchKit", "MMBuiltins", "MMEmbeddedStore",
                                                          "MMCLIP", "MMCLAP", "MMMedia"]),
        // The service over a real server on a loopback port, through the built binary.
        .testTarget(name: "MMSearchServerTests", dependencies: ["MMTestSupport", "MMSearchServer", "MMSearchKit", "MMMedia"]),
    ]
)
