// Tests for module Report; one file per subject.
import XCTest
