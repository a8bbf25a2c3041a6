// swift-tools-version:6.0
// ReidKD — knowledge distillation workbench for instance re-identification.
// Module map (data flows one way; a lower module never imports a higher one):
//   CBLAS CPNG CJPEG CSQLite → Tensor → NN, Data → Eval → Distill → Report, Export → reidkd
//   Support (SHA-256, suggestions, file-system errors, safe names) sits below everything.
//   Store (the SQLite experiment store) is a leaf: it knows rows, not models, so the trainer,
//   the report and the export can all use it.
import PackageDescription

let package = Package(
    name: "ReidKD",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "reidkd", targets: ["reidkd"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "ReidKDKit", targets: ["NN", "Data", "Eval", "Store", "Distill", "Report", "Export"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System-library shims (module maps only); `make deps` installs the Debian packages.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        // cpuid/xgetbv as header-only inline functions (the BLAS kernel check).
        .systemLibrary(name: "CCPUID"),

        // Small shared utilities (SHA-256, "did you mean" suggestions, file-system errors, safe names): below every module.
        .target(name: "Support"),
        .target(name: "Tensor", dependencies: ["CBLAS", "CCPUID"]),
        .target(name: "NN", dependencies: ["Tensor", "Support", .product(name: "Yams", package: "Yams")]),
        .target(name: "Data", dependencies: ["Tensor", "Support", "CPNG", "CJPEG"]),
        .target(name: "Eval", dependencies: ["Tensor", "Support", "NN", "Data"]),
        .target(name: "Store", dependencies: ["Support", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Distill", dependencies: ["Tensor", "Support", "NN", "Data", "Eval", "Store", .product(name: "Yams", package: "Yams")]),
        .target(name: "Report", dependencies: ["Tensor", "Support", "Data", "Eval", "Store"]),
        .target(name: "Export", dependencies: ["Tensor", "Support", "NN", "Data", "Eval", "Store", "Distill"]),

        .executableTarget(name: "reidkd", dependencies: [
            "Tensor", "Support", "NN", "Data", "Eval", "Store", "Distill", "Report", "Export",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "reidkd-bench", dependencies: ["Tensor", "NN", "Data", "Eval", "Store", "Distill", "Export"]),

        // Shared test helpers (gradient checks, closeness asserts) for every test target.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Support", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "TestSupport"]),
        .testTarget(name: "EvalTests", dependencies: ["Eval", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "DistillTests", dependencies: ["Distill", "Support", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Data", "Store", "TestSupport"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "NN", "Store", "Distill", "Data", "Eval", "Support", "TestSupport"]),
        // Runs the built `reidkd` binary on bad inputs (needs it built: `make test` does).
        .testTarget(name: "CLITests", dependencies: ["Tensor", "NN", "Data", "Store", "Export", "Support",
                                                     .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v5]
)
