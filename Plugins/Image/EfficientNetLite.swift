import MMTensor
import MMMedia
import MMSearchKit
