// Tests for module NN; one file per subject.
import XCTest
