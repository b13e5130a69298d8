import MMTensor
import MMSearchKit
