;;; explaind-test.el --- explaind.el against the real daemon  -*- lexical-binding: t; -*-

;; Run by Clients/emacs/test/run: EXPLAIND and EXPLAIND_MODEL name the daemon and the model.
;; Overlays must cover exactly each token's characters (utf-32 offsets), with the face of its score.

(require 'ert)
(require 'explaind)

(setq explaind-command (list (or (getenv "EXPLAIND") (error "Set EXPLAIND"))
                             "--model" (or (getenv "EXPLAIND_MODEL") (error "Set EXPLAIND_MODEL"))))

(defconst explaind-test-line "Café owners voted: naïve explaind reforms")

(defun explaind-test--wait-for-reply (thunk &optional seconds)
  "Run THUNK and wait until a reply has been handled; return it."
  (setq explaind-last-reply nil)
  (funcall thunk)
  (with-timeout ((or seconds 20) (error "No reply from explaind"))
    (while (not explaind-last-reply) (accept-process-output nil 0.01)))
  explaind-last-reply)

(defun explaind-test--overlays ()
  "(START END FACE) of explaind's overlays, in buffer order."
  (sort (mapcar (lambda (o) (list (overlay-start o) (overlay-end o) (overlay-get o 'face)))
                (cl-remove-if-not (lambda (o) (overlay-get o 'explaind)) (overlays-in (point-min) (point-max))))
        (lambda (a b) (< (car a) (car b)))))

(defun explaind-test--tokenize (text)
  "The daemon's own tokenization of TEXT (utf-32 offsets)."
  (plist-get (jsonrpc-request (explaind--connection) :tokenize (list :text text)) :tokens))

(defmacro explaind-test--capturing-messages (var &rest body)
  "Run BODY with the messages it shows collected in VAR."
  (declare (indent 1))
  `(let ((,var nil))
     (cl-letf* ((real (symbol-function 'message))
                ((symbol-function 'message)
                 (lambda (format &rest args)
                   (when format (push (apply #'format-message format args) ,var))
                   (apply real format args))))
       ,@body)))

(ert-deftest explaind-line-overlays-cover-each-token ()
  (with-temp-buffer
    (insert "first line\n" explaind-test-line "\n")
    (goto-char (point-min))
    (forward-line 1)
    (let* ((origin (point))
           (reply (explaind-test--wait-for-reply #'explaind-line))
           (explanation (plist-get reply :result)))
      (should-not (plist-get reply :error))
      (should (equal (plist-get explanation :text) explaind-test-line))
      (let* ((tokens (explaind-test--tokenize explaind-test-line))
             (explained (plist-get explanation :tokens))
             (max-abs (explaind--max-abs explained))
             (expected (cl-loop for token across tokens for i from 0
                                unless (eq (plist-get token :special) t)
                                do (should (equal (plist-get (aref explained i) :start) (plist-get token :start)))
                                and collect (list (+ origin (plist-get token :start)) (+ origin (plist-get token :end))
                                              (explaind-face (plist-get (aref explained i) :score) max-abs))))
             (overlays (explaind-test--overlays)))
        (should (equal overlays expected))
        (dolist (o overlays) (should (string-match-p "\\`explaind-\\(positive\\|negative\\)-[1-5]\\'" (symbol-name (nth 2 o)))))
        ;; Independently of the daemon: character positions, not bytes.
        (should (equal (buffer-substring (nth 0 (car overlays)) (nth 1 (car overlays))) "Café"))
        (let ((naive (cl-find-if (lambda (o) (equal (buffer-substring (nth 0 o) (nth 1 o)) "naïve")) overlays)))
          (should naive)
          (should (= (nth 0 naive) (+ origin (string-match "naïve" explaind-test-line)))))
        (should (= (nth 1 (car (last overlays))) (line-end-position)))
        (should (string-match-p (regexp-quote (plist-get (plist-get explanation :prediction) :label))
                                (explaind--summary explanation)))))))

(ert-deftest explaind-region-over-two-lines ()
  (with-temp-buffer
    (insert "The senate voted\nCafé owners\n")
    (let ((reply (explaind-test--wait-for-reply (lambda () (explaind-region (point-min) (1- (point-max)))))))
      (should-not (plist-get reply :error))
      (should (equal (mapcar (lambda (o) (buffer-substring (nth 0 o) (nth 1 o))) (explaind-test--overlays))
                     '("The" "senate" "voted" "Café" "owners"))))))

(ert-deftest explaind-edit-cancels-the-request-in-flight ()
  (with-temp-buffer
    (insert (apply #'concat (make-list 12 "the parliament debated the budget ")))
    (let* ((explaind-method "integratedGradients")
           (explaind-options '(:steps 1024 :batchSize 1))
           (reply (explaind-test--wait-for-reply
                   (lambda ()
                     (explaind-line)
                     (goto-char (point-min))
                     (insert "edited ")))))
      (should (eql (plist-get (plist-get reply :error) :code) -32800))
      (should (plist-get reply :stale))
      (should-not (explaind-test--overlays)))))

(ert-deftest explaind-method-and-target-are-checked ()
  (let ((explaind-method "vanillaGradient") (explaind-target nil))
    (should-error (explaind-set-method "noSuchMethod") :type 'user-error)
    (should (equal explaind-method "vanillaGradient"))
    (explaind-set-method "gradientXInput")
    (explaind-set-target "other")
    (with-temp-buffer
      (insert "Café owners")
      (let ((result (plist-get (explaind-test--wait-for-reply #'explaind-line) :result)))
        (should (equal (plist-get result :method) "gradientXInput"))
        (should (equal (plist-get (plist-get result :target) :label) "other"))))
    (explaind-set-target "predicted")
    (should-not explaind-target)))

(ert-deftest explaind-compare-shows-a-table-or-a-clear-message ()
  (with-temp-buffer
    (insert "The senate passed the budget")
    (explaind-test--capturing-messages shown
      (let ((reply (explaind-test--wait-for-reply #'explaind-compare 60)))
        (if (seq-contains-p (plist-get (plist-get explaind--info :capabilities) :methods) "compareMethods")
            (progn
              (should-not (plist-get reply :error))
              (let ((shown (with-current-buffer "*explaind*" (buffer-string))))
                (should (string-match-p "integratedGradients" shown))
                (should (string-match-p "comprehensiveness" shown))
                (should (string-match-p "^ranking: " shown))))
          (should (eql (plist-get (plist-get reply :error) :code) -32601))
          (should (cl-some (lambda (m) (string-match-p "no compareMethods" m)) shown)))))))

(ert-deftest explaind-z-shutdown-exits-cleanly ()
  (explaind--connection)
  (should (memq #'explaind-shutdown kill-emacs-hook))
  (should (eql (explaind-shutdown) 0))
  (should-not explaind--connection))

;;; explaind-test.el ends here
