import MMSearchKit
import MMText
import MMImage
