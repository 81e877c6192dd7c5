// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MultisigOracleWallet
/// @notice A minimal M-of-N contract wallet that answers ERC-1271, so that an oracle can be a multisig.
/// @dev A signature is the owners' 65-byte ECDSA signatures of the hash, concatenated in ascending owner order.
contract MultisigOracleWallet is IERC1271 {
    mapping(address owner => bool) public isOwner;
    uint256 public immutable threshold;

    constructor(address[] memory owners, uint256 threshold_) {
        for (uint256 i; i < owners.length; ++i) {
            isOwner[owners[i]] = true;
        }
        threshold = threshold_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != threshold * 65) return 0xffffffff;
        address previous;
        for (uint256 i; i < threshold; ++i) {
            (address owner, ECDSA.RecoverError recoverError,) = ECDSA.tryRecover(hash, signature[i * 65:(i + 1) * 65]);
            if (recoverError != ECDSA.RecoverError.NoError || !isOwner[owner] || owner <= previous) return 0xffffffff;
            previous = owner;
        }
        return IERC1271.isValidSignature.selector;
    }
}
