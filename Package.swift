// swift-tools-version:6.0
// ReidKD — knowledge distillation workbench for instance re-identification.
// Module map (data flows one way; a lower module never imports a higher one):
//   CBLAS CPNG CJPEG CSQLite → Tensor → NN → Data → Eval → Distill → Store → Report → Export → reidkd
import PackageDescription

let package = Package(
    name: "ReidKD",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "reidkd", targets: ["reidkd"]),
        .library(name: "Tensor", targets: ["Tensor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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

        .target(name: "Tensor", dependencies: ["CBLAS"]),

        .executableTarget(name: "reidkd", dependencies: [
            "Tensor",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "reidkd-bench", dependencies: ["Tensor"]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
    ],
    swiftLanguageModes: [.v5]
)
