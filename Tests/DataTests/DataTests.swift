// Tests for module Data; one file per subject.
import XCTest
