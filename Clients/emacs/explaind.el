;;; explaind.el --- Token attributions from the explaind daemon  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (jsonrpc "1.0.9"))
;; Keywords: tools, convenience

;;; Commentary:

;; Shades each token of a line or region by how much it moved a text classifier's prediction, as
;; computed by `explaind' (a JSON-RPC 2.0 daemon with LSP framing).  One daemon serves the Emacs
;; session; it is started on first use, positions are negotiated as utf-32 (= Emacs character
;; positions) and it is shut down (shutdown + exit) by `explaind-shutdown' or when Emacs exits.
;;
;;   (setq explaind-command '("explaind" "--model" "/path/to/model"))
;;   M-x explaind-line, explaind-region, explaind-compare, explaind-set-method, explaind-clear

;;; Code:

(require 'jsonrpc)
(require 'cl-lib)
(require 'subr-x)

(defgroup explaind nil
  "Token attributions from the explaind daemon."
  :group 'tools
  :prefix "explaind-")

(defcustom explaind-command '("explaind")
  "The daemon and its arguments, e.g. (\"explaind\" \"--model\" \"/path/to/model\")."
  :type '(repeat string))

(defcustom explaind-method "vanillaGradient"
  "The attribution method (see `explaind-set-method')."
  :type 'string)

(defcustom explaind-target nil
  "The label to explain, or nil for the predicted one."
  :type '(choice (const :tag "Predicted label" nil) string))

(defcustom explaind-model nil
  "The id of a model the daemon has loaded, or nil for its default."
  :type '(choice (const :tag "Default model" nil) string))

(defcustom explaind-options nil
  "Method options as a plist, e.g. (:steps 100)."
  :type 'plist)

(defcustom explaind-levels 5
  "Number of shades per sign; faces `explaind-positive-1'... and `explaind-negative-1'...."
  :type 'integer)

;; White-to-blue for positive scores, white-to-red for negative ones (signed methods).
(let ((shades '((positive "#deebf7" "#b3d3e8" "#7fb2d9" "#4a8fc4" "#1f62a6")
                (negative "#fde0d2" "#fbb4a0" "#f7836a" "#e0473a" "#b01e24"))))
  (dolist (sign shades)
    (cl-loop for colour in (cdr sign) for level from 1
             do (custom-declare-face
                 (intern (format "explaind-%s-%d" (car sign) level))
                 `((t :background ,colour :foreground ,(if (>= level 4) "white" "black")))
                 (format "Tokens with a %s score in shade %d of %d." (car sign) level 5)
                 :group 'explaind))))

(defvar explaind--connection nil "The jsonrpc connection to the daemon.")
(defvar explaind--info nil "The daemon's `initialize' result (a plist).")
(defvar explaind-last-reply nil
  "The last reply handled: a plist (:buffer :result :error :stale), for tests and mode lines.")
(defvar-local explaind--pending nil "Id of the request whose result will be drawn in this buffer.")

;;;; The connection

(defun explaind--start ()
  "Start the daemon, initialize it and return the connection."
  (let* ((name "explaind")
         (connection
          (make-instance
           'jsonrpc-process-connection
           :name name
           :events-buffer-scrollback-size 0
           :process (lambda ()
                      (make-process
                       :name name :command explaind-command :connection-type 'pipe
                       :coding 'utf-8-emacs-unix :noquery t
                       :stderr (get-buffer-create (format "*%s stderr*" name))))
           :notification-dispatcher #'ignore
           :on-shutdown (lambda (_) (setq explaind--connection nil explaind--info nil)))))
    (let ((info (jsonrpc-request connection :initialize
                                 (list :clientInfo (list :name "explaind.el")
                                       :positionEncodings ["utf-32"]))))
      (unless (equal (plist-get info :positionEncoding) "utf-32")
        (jsonrpc-shutdown connection)
        (error "explaind: the daemon chose %s positions, not utf-32" (plist-get info :positionEncoding)))
      (jsonrpc-notify connection :initialized (make-hash-table))
      (setq explaind--info info explaind--connection connection))))

(defun explaind--connection ()
  "The running connection, started when needed."
  (if (and explaind--connection (jsonrpc-running-p explaind--connection))
      explaind--connection
    (explaind--start)))

(defun explaind--request (method params on-result on-error)
  "Send METHOD with PARAMS; call ON-RESULT or ON-ERROR (with the error plist).  Return the id."
  ;; `jsonrpc-async-request' does not return the id in Emacs 28, and cancelling needs it.
  (car (jsonrpc--async-request-1 (explaind--connection) method params
                                 :success-fn on-result
                                 :error-fn on-error
                                 :timeout 600)))

(defun explaind--cancel (id)
  "Ask the daemon to stop request ID; it then answers -32800 (request cancelled)."
  (when (and id explaind--connection (jsonrpc-running-p explaind--connection))
    (jsonrpc-notify explaind--connection :$/cancelRequest (list :id id))))

(defun explaind-shutdown ()
  "Shut the daemon down (shutdown, then exit); return its exit code."
  (interactive)
  (when-let ((connection explaind--connection))
    (let ((process (jsonrpc--process connection)))
      (when (process-live-p process)
        (ignore-errors (jsonrpc-request connection :shutdown (make-hash-table) :timeout 5))
        (ignore-errors (jsonrpc-notify connection :exit (make-hash-table)))
        (with-timeout (5 (delete-process process))
          (while (process-live-p process) (accept-process-output process 0.05))))
      (setq explaind--connection nil explaind--info nil)
      (process-exit-status process))))

(add-hook 'kill-emacs-hook #'explaind-shutdown)

(defun explaind--error-text (method error)
  "A one-line message for ERROR (a JSON-RPC error plist) from METHOD."
  (if (eql (plist-get error :code) -32601)
      (format "this daemon has no %s (method not found); update explaind" method)
    (format "%s (%s)" (plist-get error :message) (plist-get error :code))))

;;;; Drawing

(defun explaind--max-abs (tokens)
  "The largest absolute score among the non-special TOKENS."
  (cl-loop for token across tokens
           unless (eq (plist-get token :special) t)
           maximize (abs (plist-get token :score))))

(defun explaind-face (score max-abs)
  "The face of SCORE relative to MAX-ABS."
  (let* ((relative (if (> max-abs 0) (/ (abs score) max-abs) 0))
         (level (max 1 (min explaind-levels (ceiling (* relative explaind-levels))))))
    (intern (format "explaind-%s-%d" (if (< score 0) "negative" "positive") level))))

(defun explaind-clear (&optional beg end)
  "Remove explaind's overlays between BEG and END (the whole buffer by default)."
  (interactive)
  (explaind--cancel explaind--pending)
  (setq explaind--pending nil)
  (remove-overlays (or beg (point-min)) (or end (point-max)) 'explaind t))

(defun explaind--draw (origin explanation)
  "Overlay EXPLANATION's tokens on text that starts at buffer position ORIGIN."
  (let* ((tokens (plist-get explanation :tokens))
         (max-abs (explaind--max-abs tokens)))
    (cl-loop for token across tokens
             for start = (plist-get token :start) for end = (plist-get token :end)
             unless (or (eq (plist-get token :special) t) (not start) (>= start end))
             do (let ((overlay (make-overlay (+ origin start) (+ origin end) nil t nil))
                      (score (plist-get token :score)))
                  (overlay-put overlay 'explaind t)
                  (overlay-put overlay 'face (explaind-face score max-abs))
                  (overlay-put overlay 'help-echo (format "%s: %.3f" (plist-get token :text) score))))))

(defun explaind--summary (explanation)
  "One line: the prediction, its probability and the method."
  (let* ((prediction (plist-get explanation :prediction))
         (index (plist-get prediction :index)))
    (format "explaind: %s %.0f%% · %s for %s · %.1f ms"
            (plist-get prediction :label) (* 100 (aref (plist-get prediction :probabilities) index))
            (plist-get explanation :method) (plist-get (plist-get explanation :target) :label)
            (plist-get explanation :elapsedMs))))

;;;; Commands

(defun explaind--params (text)
  "The explain params for TEXT from the customisable settings."
  (append (list :text text :method explaind-method)
          (and explaind-target (list :target explaind-target))
          (and explaind-model (list :model explaind-model))
          (and explaind-options (list :options explaind-options))))

(defun explaind--after-change (&rest _)
  "An edit (or killing the buffer) makes the request in flight stale: cancel it."
  (when explaind--pending
    (explaind--cancel explaind--pending)
    (setq explaind--pending nil)))

;;;###autoload
(defun explaind-region (beg end)
  "Explain the text between BEG and END: shade its tokens, show the prediction."
  (interactive "r")
  (let ((buffer (current-buffer))
        (origin (copy-marker beg))
        (text (buffer-substring-no-properties beg end))
        id)
    (when (string-blank-p text) (user-error "explaind: nothing to explain here"))
    (explaind--cancel explaind--pending)
    (add-hook 'after-change-functions #'explaind--after-change nil t)
    (add-hook 'kill-buffer-hook #'explaind--after-change nil t)
    (setq id (explaind--request
              :explain (explaind--params text)
              (lambda (result)
                (with-current-buffer buffer
                  (if (not (eql explaind--pending id))
                      (setq explaind-last-reply (list :buffer buffer :result result :stale t))
                    (setq explaind--pending nil
                          explaind-last-reply (list :buffer buffer :result result))
                    (remove-overlays origin (+ origin (length text)) 'explaind t)
                    (explaind--draw (marker-position origin) result)
                    (message "%s" (explaind--summary result)))))
              (lambda (error)
                (with-current-buffer buffer
                  (let ((stale (not (eql explaind--pending id))))
                    (setq explaind-last-reply (list :buffer buffer :error error :stale stale))
                    (unless stale
                      (setq explaind--pending nil)
                      (message "explaind: %s" (explaind--error-text "explain" error))))))))
    (setq explaind--pending id)))

;;;###autoload
(defun explaind-line ()
  "Explain the current line."
  (interactive)
  (explaind-region (line-beginning-position) (line-end-position)))

(defun explaind--method-names ()
  "The attribution methods the daemon offers."
  (explaind--connection)
  (mapcar (lambda (m) (plist-get m :name))
          (plist-get (plist-get explaind--info :capabilities) :attributionMethods)))

(defun explaind-set-method (name)
  "Use the attribution method NAME from now on."
  (interactive (list (completing-read "Attribution method: " (explaind--method-names) nil t)))
  (unless (member name (explaind--method-names))
    (user-error "explaind: unknown method %s; one of %s" name (string-join (explaind--method-names) ", ")))
  (setq explaind-method name)
  (message "explaind: method %s" name))

(defun explaind--labels ()
  "The labels of the model in use."
  (explaind--connection)
  (let ((models (plist-get explaind--info :models)))
    (append (plist-get (or (cl-find-if (lambda (m) (if explaind-model (equal (plist-get m :id) explaind-model)
                                                     (eq (plist-get m :default) t)))
                                       models)
                           (aref models 0))
                       :labels)
            nil)))

(defun explaind-set-target (label)
  "Explain LABEL from now on (\"predicted\" for the predicted label)."
  (interactive (list (completing-read "Label: " (cons "predicted" (explaind--labels)) nil t)))
  (cond ((member label '("predicted" "")) (setq explaind-target nil))
        ((member label (explaind--labels)) (setq explaind-target label))
        (t (user-error "explaind: unknown label %s; one of %s" label (string-join (explaind--labels) ", "))))
  (message "explaind: explaining %s" (or explaind-target "the predicted label")))

(defun explaind--comparison-lines (result)
  "The lines of the *explaind* buffer for a compareMethods RESULT."
  (let ((runs (or (plist-get result :methods) (plist-get result :runs) []))
        (tokens (or (plist-get result :tokens) []))
        (lines nil))
    (when (stringp (plist-get result :summary)) (push (plist-get result :summary) lines))
    (when (and (> (length runs) 0) (> (length tokens) 0))
      (push "" lines)
      (push (apply #'concat (format "%-14s" "token")
                   (cl-loop for run across runs
                            collect (format " %20s" (or (plist-get run :method) (plist-get run :name)))))
            lines)
      (cl-loop for token across tokens for i from 0
               unless (eq (plist-get token :special) t)
               do (push (apply #'concat (format "%-14s" (plist-get token :text))
                               (cl-loop for run across runs
                                        for scores = (plist-get run :scores)
                                        collect (if (and scores (< i (length scores)) (numberp (aref scores i)))
                                                    (format " %20.3f" (aref scores i))
                                                  (format " %20s" "-"))))
                        lines)))
    (let ((faithfulness (plist-get result :faithfulness)))
      (when (and (vectorp faithfulness) (> (length faithfulness) 0))
        (push "" lines)
        (push (format "%-20s %18s %12s" "method" "comprehensiveness" "sufficiency") lines)
        (cl-loop for f across faithfulness
                 for number = (lambda (x) (if (numberp x) (format "%.4f" x) "-"))
                 do (push (format "%-20s %18s %12s" (plist-get f :method)
                                  (funcall number (plist-get f :comprehensiveness))
                                  (funcall number (plist-get f :sufficiency)))
                          lines))))
    (let ((ranking (plist-get result :ranking)))
      (when (and (vectorp ranking) (> (length ranking) 0))
        (push "" lines)
        (push (concat "ranking: "
                      (mapconcat (lambda (r) (if (stringp r) r (format "%s" (or (plist-get r :method) (plist-get r :name)))))
                                 ranking " > "))
              lines)))
    (or (nreverse lines) (list (format "%S" result)))))

(defun explaind-compare ()
  "Run every attribution method on the current line; show the comparison in *explaind*."
  (interactive)
  (let ((buffer (current-buffer))
        (params (append (list :text (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
                        (and explaind-target (list :target explaind-target))
                        (and explaind-model (list :model explaind-model)))))
    (explaind--request
     :compareMethods params
     (lambda (result)
       (setq explaind-last-reply (list :buffer buffer :result result :compare t))
       (with-current-buffer (get-buffer-create "*explaind*")
         (let ((inhibit-read-only t))
           (erase-buffer)
           (insert (string-join (explaind--comparison-lines result) "\n") "\n"))
         (special-mode))
       (display-buffer "*explaind*"))
     (lambda (error)
       (setq explaind-last-reply (list :buffer buffer :error error :compare t))
       (message "explaind: %s" (explaind--error-text "compareMethods" error))))))

(provide 'explaind)
;;; explaind.el ends here
