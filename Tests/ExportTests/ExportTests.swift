// Tests for module Export; one file per subject.
import XCTest
