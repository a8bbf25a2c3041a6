// Tests for module Eval; one file per subject.
import XCTest
