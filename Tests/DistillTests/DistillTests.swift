// Tests for module Distill; one file per subject.
import XCTest
