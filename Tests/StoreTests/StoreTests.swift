// Tests for module Store; one file per subject.
import XCTest
